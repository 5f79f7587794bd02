"""Vectorised validation of data-set batches, with the API's own rules.

The exact per-row path (``rowcheck.check_registration``) costs tens of
microseconds a row. This module proves most registrations valid much more
cheaply, and sends every registration it cannot prove valid to that exact path
(which also writes the reasons). It never decides a rejection itself.

Why the fast verdict equals the API's:

* **Traveler fields.** ``TravelerIn`` has no model-level validator: its core
  schema is a plain ``model-fields`` schema, so a row is valid exactly when
  each field's own schema accepts its value, and each field's stored form
  depends on that value alone. ``field_rules`` builds one pydantic-core
  validator per field *from the model's own core schema and config* (same
  strip, same before/after validators), so no rule is re-implemented here.
  ``field_rules`` refuses (and the importer falls back to the exact path for
  everything) if the model ever gains a model-level validator.
* **Caching per distinct value.** Every rule used here is a pure function of
  the value (date of birth also of today's date, fixed for one import), so each
  distinct value of a column is validated once (Arrow dictionary encoding) and
  its verdict broadcast back to the rows.
* **Phones.** ``canonical_phone_is_valid`` accepts a value only when
  ``validation.phone_e164`` (that is ``puerta.contacts.phone_e164``, region MX
  for a number without ``+``) would return it unchanged (see there); anything
  else, the old Mexican mobile forms included, goes through the field's full
  rule, which is that same function.
* **Registration-level columns** go through ``rowcheck``'s own parsers, per
  distinct value, and the structural checks (index sequence, owner flag,
  agreeing rows, size) are the same comparisons done column-wise.

``tests/dataset/test_fastcheck.py`` runs both paths over varied and hostile
rows and asserts equal verdicts and equal stored values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import phonenumbers
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneMetadata
from pydantic_core import SchemaValidator

from puerta.dataset import rowcheck
from puerta.dataset.schema import REGISTRATION_LEVEL, TRAVELER_FIELDS
from puerta.registration.schemas import TravelerIn

_MISSING = object()
_CACHE_LIMIT = 1_000_000
_MAX_NSN = 17
_WORTH_A_WORKER = 2_000  # phonenumbers' _MAX_LENGTH_FOR_NSN


def field_rules() -> dict[str, SchemaValidator]:
    """One validator per ``TravelerIn`` field, taken from the model's core schema."""
    core = TravelerIn.__pydantic_core_schema__
    inner = core.get("schema", {})
    if core.get("type") != "model" or inner.get("type") != "model-fields":
        raise RuntimeError("TravelerIn has model-level validation: no per-field decomposition")
    if inner.get("computed_fields") or inner.get("extras_schema"):
        raise RuntimeError("TravelerIn has computed or extra fields")
    fields = inner["fields"]
    if set(fields) != set(TRAVELER_FIELDS):
        raise RuntimeError("TravelerIn's fields differ from the data set's traveler columns")
    for spec in fields.values():
        if spec.get("type") != "model-field" or spec.get("validation_alias"):
            raise RuntimeError("TravelerIn has a field this module cannot decompose")
    config = core.get("config", {})
    return {name: SchemaValidator(spec["schema"], config) for name, spec in fields.items()}


@lru_cache(maxsize=512)
def _national_prefix(country_code: int) -> re.Pattern[str] | None:
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        raise LookupError(country_code)
    prefix = metadata.national_prefix_for_parsing
    return re.compile(prefix) if prefix else None


def canonical_phone_is_valid(value: str) -> bool:
    """True only if ``validation.phone_e164(value) == value``; False means "ask the rule".

    For ``+`` followed by ASCII digits, ``phonenumbers.parse`` strips the ``+``,
    takes the country code as the shortest 1-3 digit prefix it knows, and keeps
    the rest as the national number unless the region's national prefix for
    parsing matches it (then it may strip it: we decline) or it starts with 0
    (Italian leading zero: we decline). E.164 formatting then gives back the
    input, and validity is ``is_valid_number`` of that very number.
    """
    digits = value[1:]
    if value[:1] != "+" or not (digits.isascii() and digits.isdigit()) or digits[:1] == "0":
        return False
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return False
    national = digits[size:]
    if not 2 <= len(national) <= _MAX_NSN or national[0] == "0":
        return False
    try:
        prefix = _national_prefix(code)
    except LookupError:
        return False
    if prefix is not None and prefix.match(national):
        return False
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    return bool(phonenumbers.is_valid_number(number))


@dataclass
class ValueRule:
    """A pure rule applied once per distinct value; ``fn`` raises ValueError/TypeError."""

    fn: Callable[[Any], Any]
    out_type: pa.DataType
    cache: dict[Any, tuple[bool, Any]] = field(default_factory=dict)

    def one(self, value: Any) -> tuple[bool, Any]:
        found = self.cache.get(value, _MISSING)
        if found is _MISSING:
            try:
                found = (True, self.fn(value))
            except (ValueError, TypeError):
                found = (False, None)
            if len(self.cache) > _CACHE_LIMIT:
                self.cache.clear()
            self.cache[value] = found
        return found  # type: ignore[return-value]

    def encode(self, column: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, Any, list[Any]]:
        """The column, its dictionary encoding and its distinct values."""
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        encoded = pc.dictionary_encode(column)
        return column, encoded, encoded.dictionary.to_pylist()

    def unknown(self, values: list[Any]) -> list[Any]:
        """The distinct values (and None) with no verdict in the cache yet."""
        return [x for x in dict.fromkeys([None, *values]) if x not in self.cache]

    def learn(self, values: list[Any], verdicts: list[tuple[bool, Any]]) -> None:
        if len(self.cache) > _CACHE_LIMIT:
            self.cache.clear()
        self.cache.update(zip(values, verdicts, strict=True))

    def apply(
        self,
        column: pa.Array | pa.ChunkedArray,
        prove: Callable[[pa.Array], pa.Array] | None = None,
    ) -> tuple[pa.Array, np.ndarray]:
        """Stored values and a per-row ok mask for a column. ``prove`` marks values
        the rule provably returns unchanged; they skip the rule."""
        return self.finish(*self.encode(column), prove=prove)

    def finish(
        self,
        column: pa.Array,
        encoded: Any,
        values: list[Any],
        prove: Callable[[pa.Array], pa.Array] | None = None,
    ) -> tuple[pa.Array, np.ndarray]:
        if prove is None:
            verdicts = [self.one(v) for v in values]
        else:
            proven = prove(encoded.dictionary).to_numpy(zero_copy_only=False)
            verdicts = [
                (True, v) if p else self.one(v) for v, p in zip(values, proven, strict=True)
            ]
        null_ok, null_out = self.one(None)
        oks = pa.array([ok for ok, _ in verdicts], pa.bool_())
        outs = pa.array([out for _, out in verdicts], self.out_type)
        ok = oks.take(encoded.indices).fill_null(null_ok)
        clean = outs.take(encoded.indices)
        if null_out is not None and column.null_count:
            clean = clean.fill_null(pa.scalar(null_out, self.out_type))
        return clean, ok.to_numpy(zero_copy_only=False)


_WORKER_RULES: dict[str, Callable[[Any], Any]] = {}


def worker_verdicts(name: str, values: list[Any]) -> list[tuple[bool, Any]]:
    """Verdicts of traveler field ``name``'s rule, in a worker process."""
    if not _WORKER_RULES:
        for field_name, validator in field_rules().items():
            fn = _phone_fn(validator) if field_name == "phone" else _validator_fn(validator)
            _WORKER_RULES[field_name] = fn
    rule = ValueRule(_WORKER_RULES[name], pa.null())
    return [rule.one(x) for x in values]


def _validator_fn(validator: SchemaValidator) -> Callable[[Any], Any]:
    return validator.validate_python


def _phone_fn(validator: SchemaValidator) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, str) and canonical_phone_is_valid(value):
            return value
        return validator.validate_python(value)

    return check


_TRAVELER_TYPES = {name: pa.string() for name in TRAVELER_FIELDS} | {"date_of_birth": pa.date32()}
_LEVEL_TYPES = {
    "registration_id": pa.string(),
    "account_id": pa.string(),
    "registration_status": pa.string(),
    "created_at": pa.timestamp("us", tz="UTC"),
    "device_id": pa.string(),
    "ip": pa.string(),
    "form_seconds": pa.float64(),
    "requested_port": pa.string(),
    "request_dates": pa.list_(pa.date32()),
    "appointment_port": pa.string(),
    "appointment_date": pa.date32(),
    "appointment_time": pa.time64("us"),
}


class FastChecker:
    """Per-import state: the rules and their caches of verdicts per distinct value."""

    def __init__(self, max_travelers: int, pool: Executor | None = None, workers: int = 1) -> None:
        self.max_travelers = max_travelers
        self.pool = pool
        self.workers = workers
        try:
            validators = field_rules()
        except RuntimeError:
            validators = None  # the exact path decides every registration
        self.enabled = validators is not None
        self.traveler: dict[str, ValueRule] = {}
        if validators is not None:
            for name, validator in validators.items():
                fn = _phone_fn(validator) if name == "phone" else _validator_fn(validator)
                self.traveler[name] = ValueRule(fn, _TRAVELER_TYPES[name])
        self.level = {
            name: ValueRule(rowcheck._LEVEL_PARSERS[name], _LEVEL_TYPES[name])
            for name in REGISTRATION_LEVEL
        }
        self.index = ValueRule(rowcheck._int, pa.int64())
        self.owner = ValueRule(rowcheck._bool, pa.bool_())

    def check(self, table: pa.Table) -> FastBatch:
        """Clean values of a batch of complete registrations, and which runs are proven."""
        n = table.num_rows
        rid = pl.from_arrow(table.column("registration_id")).alias("rid")  # type: ignore[union-attr]
        frame = pl.DataFrame({"rid": rid}).with_columns(
            _run=(pl.col("rid").ne_missing(pl.col("rid").shift(1)).fill_null(True).cum_sum() - 1)
        )
        run = frame["_run"].to_numpy()
        starts = np.flatnonzero(np.r_[True, run[1:] != run[:-1]]) if n else np.zeros(0, int)
        lengths = np.diff(np.r_[starts, n])
        pos = np.arange(n) - np.repeat(starts, lengths)
        ok = np.full(n, self.enabled)
        encoded = {name: self.traveler[name].encode(table.column(name)) for name in self.traveler}
        asked = self._ask_workers(encoded)
        index, index_ok = self.index.apply(table.column("traveler_index"))
        owner, owner_ok = self.owner.apply(table.column("is_owner"))
        index_np = index.fill_null(-1).to_numpy(zero_copy_only=False)
        owner_np = owner.fill_null(False).to_numpy(zero_copy_only=False)
        ok &= index_ok & owner_ok & (index_np == pos) & (owner_np == (index_np == 0))
        same = pl.from_arrow(table.select(list(REGISTRATION_LEVEL))).with_columns(  # type: ignore[union-attr]
            _run=frame["_run"]
        )
        agree = same.select(
            pl.all_horizontal(
                pl.col(c).eq_missing(pl.col(c).first().over("_run")) for c in REGISTRATION_LEVEL
            )
        ).to_series()
        ok &= agree.to_numpy()
        run_ok = np.ones(len(starts), bool)
        run_ok &= lengths <= self.max_travelers
        firsts = table.take(pa.array(starts, pa.int64()))
        level: dict[str, Any] = {}
        for name in REGISTRATION_LEVEL:
            clean, good = self._level_column(name, firsts.column(name).combine_chunks())
            level[name] = clean
            run_ok &= good
        regs = pl.DataFrame(
            {name: pl.from_arrow(level[name]) for name in REGISTRATION_LEVEL}
        ).with_columns(n_travelers=pl.Series(lengths, dtype=pl.Int32))
        run_ok &= _level_rules_hold(regs)
        for name, values, future in asked:
            self.traveler[name].learn(values, future.result())
        travelers: dict[str, Any] = {}
        for name, (column, codes, values) in encoded.items():
            travelers[name], good = self.traveler[name].finish(column, codes, values)
            ok &= good
        run_ok &= np.logical_and.reduceat(ok, starts) if n else np.zeros(0, bool)
        return FastBatch(
            table=table,
            starts=starts,
            lengths=lengths,
            run_ok=run_ok,
            regs=regs,
            travelers=pl.DataFrame(
                {
                    "registration_id": rid,
                    "position": pl.Series(pos, dtype=pl.Int32),
                    **{k: pl.from_arrow(v) for k, v in travelers.items()},
                }
            )
            if self.enabled
            else None,
        )

    def _ask_workers(self, encoded: dict[str, Any]) -> list[tuple[str, list[Any], Future[Any]]]:
        """Send the values no cache knows to the worker processes, if there are
        enough to pay for the trip; the rest is validated here, on demand."""
        asked: list[tuple[str, list[Any], Future[Any]]] = []
        if self.pool is None:
            return asked
        for name, (_, _, values) in encoded.items():
            todo = self.traveler[name].unknown(values)
            if len(todo) < _WORTH_A_WORKER:
                continue
            size = -(-len(todo) // self.workers)
            for i in range(0, len(todo), size):
                part = todo[i : i + size]
                asked.append((name, part, self.pool.submit(worker_verdicts, name, part)))
        return asked

    def _level_column(self, name: str, column: pa.Array) -> tuple[pa.Array, np.ndarray]:
        """``rowcheck``'s parser for a registration-level column, with exact
        column-wise forms of the trivial ones."""
        kind = column.type
        if name in _TEXT_LIMITS and pa.types.is_string(kind):
            return _text_column(column, *_TEXT_LIMITS[name])
        if name == "created_at" and pa.types.is_timestamp(kind) and kind.tz is not None:
            # _datetime(aware) is astimezone(UTC): the same instant
            return column.cast(_LEVEL_TYPES[name]), column.is_valid().to_numpy(zero_copy_only=False)
        if name == "request_dates" and pa.types.is_list(kind):
            return column, _ascending_dates(column)
        if name == "ip" and pa.types.is_string(kind):
            return self.level[name].apply(column, prove=_canonical_ipv4)
        return self.level[name].apply(column)


#: rowcheck._text's limits: column -> (max_len, required)
_TEXT_LIMITS = {"registration_id": (24, True), "account_id": (64, True), "device_id": (128, False)}
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = f"^{_OCTET}(\\.{_OCTET}){{3}}$"


def _canonical_ipv4(values: pa.Array) -> pa.Array:
    """Dotted quads without leading zeros: ``str(ip_address(x)) == x`` for them."""
    return pc.fill_null(pc.match_substring_regex(values, _IPV4), False)


def _text_column(column: pa.Array, max_len: int, required: bool) -> tuple[pa.Array, np.ndarray]:
    """``rowcheck._text`` column-wise: null or "" is None (an error if required);
    otherwise the value, at most ``max_len`` code points."""
    length = pc.utf8_length(column)
    empty = pc.fill_null(pc.equal(length, 0), True)
    fits = pc.fill_null(pc.less_equal(length, max_len), False)
    ok = pc.if_else(empty, pa.scalar(not required), fits)
    clean = pc.if_else(empty, pa.scalar(None, pa.string()), column)
    return clean, ok.to_numpy(zero_copy_only=False)


def _ascending_dates(column: pa.Array) -> np.ndarray:
    """A list of dates with no nulls, strictly ascending, is what ``rowcheck._dates``
    returns for it (its sorted set); any other list goes to the exact path."""
    n = len(column)
    offsets = column.offsets.to_numpy(zero_copy_only=False)[: n + 1].astype(np.int64)
    start = int(offsets[0]) if n else 0
    flat = column.values.slice(start, int(offsets[-1]) - start if n else 0)
    valid = flat.is_valid().to_numpy(zero_copy_only=False)
    days = flat.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    step_ok = np.r_[True, np.diff(days) > 0] & valid
    firsts = offsets[:-1] - start
    firsts = firsts[firsts < len(step_ok)]
    step_ok[firsts] = valid[firsts]  # a list's first date has no predecessor
    owner = np.repeat(np.arange(n), np.diff(offsets))
    bad = np.bincount(owner, weights=~step_ok, minlength=n) > 0
    return ~bad & column.is_valid().to_numpy(zero_copy_only=False)


def _level_rules_hold(regs: pl.DataFrame) -> np.ndarray:
    """``rowcheck._registration_level``'s two cross-column rules."""
    appt = [pl.col(c).is_not_null() for c in ("appointment_port", "appointment_date")]
    appt.append(pl.col("appointment_time").is_not_null())
    all_or_none = pl.all_horizontal(appt) | ~pl.any_horizontal(appt)
    port_given = (pl.col("request_dates").list.len() == 0) | pl.col("requested_port").is_not_null()
    return regs.select(all_or_none & port_given).to_series().fill_null(False).to_numpy()


@dataclass
class FastBatch:
    """A checked batch: runs (registrations) in file order, and their clean values."""

    table: pa.Table
    starts: np.ndarray
    lengths: np.ndarray
    run_ok: np.ndarray  # proven valid by the fast path
    regs: pl.DataFrame  # one row per run: registration-level values + n_travelers
    travelers: pl.DataFrame | None  # one row per row: registration_id, position, fields

    def rows(self, run: int) -> list[dict[str, Any]]:
        return self.table.slice(int(self.starts[run]), int(self.lengths[run])).to_pylist()
