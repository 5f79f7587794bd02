"""The Splink (DuckDB) model behind identity resolution: comparisons, blocking, training.

Why a module of its own: the comparison levels are where the domain knowledge
sits (transliteration, dropped second surnames, swapped day and month), and
they must be identical whether the model scores the synthetic population,
FEBRL or a real store, or is saved to JSON and loaded again.

Everything here reads only the *identity feature* columns built by
``puerta.trends.identity.identity_features`` (:data:`FEATURE_COLUMNS`). No
nationality, language, sex or age column can reach the model:
:func:`predict_pairs` refuses any frame that holds a column outside that
list.

Comparison levels (most specific first):

* given and family names: exact (term-frequency adjusted, so "Maria" counts
  less than "Oleksandr"), the two fields swapped, the two fields swapped with a
  typo or another transliteration in one of them ("Gabrielle Langer" /
  "Langer Gabriele"), one word in common (a
  dropped second surname, a dropped middle name), same transliteration
  skeleton, same Metaphone or Jaro-Winkler >= 0.92 (typos), Jaro-Winkler >=
  0.8, different. A given-name pair that differs only by a final a/o/e
  ("Juan"/"Juana", "Daniel"/"Daniela") has its own level, because twins and
  siblings often carry such pairs.
* date of birth: exact (term-frequency adjusted, so a 1 January says less
  than a 17 September), day and month swapped, one day apart (1995-02-28 /
  1995-03-01), one digit within the same decade, two digits, different. The
  near-date levels have a floor on m (:data:`NEAR_DATE_M_FLOOR`): a slip of a
  day or a digit is weaker evidence, never a veto.
* address, ZIP, phone, email and (when the data has one) an identity
  document number: exact (term-frequency adjusted, so a shelter's address is
  weak evidence), near, different.

Example:
    >>> settings = build_settings(("address", "zip", "phone", "email"))
    >>> [c["output_column_name"] for c in settings["comparisons"]][:3]
    ['given', 'family', 'dob']
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl

logger = logging.getLogger(__name__)

LinkType = Literal["dedupe_only", "link_only", "link_and_dedupe"]

FEATURE_COLUMNS: tuple[str, ...] = (
    "uid",
    "source_dataset",
    "given_norm",
    "given_first",
    "given_key",
    "given_skel",
    "given_phon",
    "family_norm",
    "family_first",
    "family_key",
    "family_skel",
    "family_phon",
    "dob",
    "dob_swap",
    "dob_sorted",
    "dob_year",
    "dob_next",
    "address",
    "zip",
    "phone",
    "email",
    "doc_number",
)
"""The only columns the model may receive. Nothing here reveals nationality,
language or sex; ``dob`` is compared as an identity attribute, never scored
as an age."""

OPTIONAL_ATTRIBUTES: tuple[str, ...] = ("address", "zip", "phone", "email", "doc_number")

HOUSEHOLD_ATTRIBUTES: tuple[str, ...] = ("address", "zip", "phone", "email")
"""Folded into one household comparison in strict mode (zip is used for blocking only)."""

GENDERED_LEVEL = "differs only by final a/o/e"
SWAPPED_TYPO_LEVEL = "given and family swapped, with a typo"
CONTRADICTION_M = 1e-7
"""Fixed m of "different given name" and "different birth date" in strict mode."""

SEED = 20230112
"""Fixed seed for u sampling: same data, same model."""

MODELS_DIR = Path(__file__).with_name("models")


def _null(col: str) -> dict[str, Any]:
    return {
        "sql_condition": f'"{col}_l" IS NULL OR "{col}_r" IS NULL',
        "label_for_charts": "null",
        "is_null_level": True,
    }


def _level(sql: str, label: str, tf_col: str | None = None, **extra: Any) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label, **extra}
    if tf_col:
        level |= {"tf_adjustment_column": tf_col, "tf_adjustment_weight": 1.0}
    return level


def _else() -> dict[str, Any]:
    return {"sql_condition": "ELSE", "label_for_charts": "different"}


def _near(left: str, left_key: str, right: str, right_key: str) -> str:
    """``left`` on the left record against ``right`` on the right: equal, same key or one typo."""
    return (
        f"({left}_l = {right}_r OR {left_key}_l = {right_key}_r"
        f" OR jaro_winkler_similarity({left}_l, {right}_r) >= 0.92)"
    )


def _name_comparison(part: str, other: str) -> dict[str, Any]:
    """Given (``part='given'``) or family names; ``other`` is the other field."""
    n, o = f"{part}_norm", f"{other}_norm"
    pk, ok = f"{part}_key", f"{other}_key"
    levels = [
        _null(n),
        _level(f"{n}_l = {n}_r", "exact", tf_col=n),
        _level(f"{n}_l = {o}_r AND {o}_l = {n}_r", "given and family swapped"),
        _level(
            f"{_near(n, pk, o, ok)} AND {_near(o, ok, n, pk)}",
            SWAPPED_TYPO_LEVEL,
        ),
        _level(
            f"{part}_first_l = {part}_first_r OR list_has_any("
            f"string_split({n}_l, ' '), string_split({n}_r, ' '))",
            "one word in common",
        ),
    ]
    if part == "given":
        levels.append(
            _level(
                "regexp_replace(given_first_l, '[aoe]$', '') = "
                "regexp_replace(given_first_r, '[aoe]$', '')",
                GENDERED_LEVEL,
            )
        )
    levels += [
        _level(
            f"{part}_key_l = {part}_key_r OR list_has_any("
            f"string_split({part}_skel_l, ' '), string_split({part}_skel_r, ' '))",
            "same transliteration skeleton",
        ),
        _level(
            # Jaro-Winkler is harsh on short names (Ivan / Ivna is 0.88), so one
            # edit of a name of at least three letters counts as a typo too.
            f"{part}_phon_l = {part}_phon_r OR jaro_winkler_similarity({n}_l, {n}_r) >= 0.92"
            f" OR (least(length({n}_l), length({n}_r)) >= 3"
            f" AND damerau_levenshtein({n}_l, {n}_r) <= 1)",
            "sounds alike or one typo",
        ),
        _level(f"jaro_winkler_similarity({n}_l, {n}_r) >= 0.8", "similar"),
        _else(),
    ]
    return {
        "output_column_name": part,
        "comparison_description": f"{part} names",
        "comparison_levels": levels,
    }


_SAME_LENGTH = "length(dob_l) = length(dob_r)"
_SAME_DECADE = f"{_SAME_LENGTH} AND substr(dob_l, 1, 3) = substr(dob_r, 1, 3)"


ONE_DAY_LEVEL = "one day apart"
ONE_DIGIT_LEVEL = "one digit"
DECADE_DIGIT_LEVEL = "one digit of the decade"
SWAPPED_DOB_LEVEL = "day and month swapped"
NEAR_DATE_LEVELS: tuple[str, ...] = (
    SWAPPED_DOB_LEVEL,
    ONE_DAY_LEVEL,
    ONE_DIGIT_LEVEL,
    DECADE_DIGIT_LEVEL,
)
NEAR_DATE_M_FLOOR = 0.002
"""Least m of each near-date level: at least 1 true pair in 500 carries that slip.

Why a floor: EM learns m from the pairs it sees, and a population (or a
generator) where nobody ever typed a birth date a day or a digit off teaches
m ~ 0, a weight of -100 bits that no shared phone, email and address can
overcome. Studies of registry data put birth-date keying errors at one to a
few percent of records, so 0.2 % per level is a cautious lower bound; the
floor is also never below the level's own u (a near date is then at worst no
evidence either way). The levels stay *weaker* than an exact date because u
is estimated on the data at hand."""


def _days_apart() -> str:
    # ``dob_next`` is the calendar's next day, built with the features (no
    # date arithmetic in the model: the date is compared, never turned into
    # an age); null for a date that is no date (19950230).
    return "(dob_l = dob_next_r OR dob_next_l = dob_r)"


def _dob_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "dob",
        "comparison_description": "date of birth (identity attribute, not age)",
        "comparison_levels": [
            _null("dob"),
            _level("dob_l = dob_r", "exact", tf_col="dob"),
            _level("dob_l = dob_swap_r", SWAPPED_DOB_LEVEL),
            _level(f"{_SAME_LENGTH} AND {_days_apart()}", ONE_DAY_LEVEL),
            # Dates are fixed-width digit strings: a Hamming distance is a cheap
            # edit count (a swap of two adjacent digits counts two). The decade
            # must agree for "one digit": 1965 / 1995 is one digit but thirty
            # years, the father and the son who carry one name at one address.
            _level(f"{_SAME_DECADE} AND hamming(dob_l, dob_r) <= 1", ONE_DIGIT_LEVEL),
            # 1965 / 1995: a slip of one key, or a father and his son with one
            # name. Not a veto (the pair is scored), but never "same person"
            # on its own: see puerta.trends.identity.decade_slip.
            _level(f"{_SAME_LENGTH} AND hamming(dob_l, dob_r) <= 1", DECADE_DIGIT_LEVEL),
            _level(f"{_SAME_DECADE} AND hamming(dob_l, dob_r) <= 2", "two digits"),
            _else(),
        ],
    }


CONTACT_ONLY_LEVEL = "phone or email"
M_FLOORS: dict[tuple[str, str], float] = {
    **{("dob", label): NEAR_DATE_M_FLOOR for label in NEAR_DATE_LEVELS},
    ("household", CONTACT_ONLY_LEVEL): NEAR_DATE_M_FLOOR,
}
"""Least m per (comparison, level). Besides the near dates, a shared phone or
email at another address: people move and keep their phone, and a generator
whose duplicates never move teaches EM m ~ 0 for it (a veto on a shared
contact)."""


def floor_near_dates(settings: dict[str, Any]) -> dict[str, Any]:
    """Raise m of the floored levels (:data:`M_FLOORS`) in place; returns ``settings``.

    See :data:`NEAR_DATE_M_FLOOR`. Applied after every estimation and to any
    loaded model, so no trained or saved model can make a near date or a
    shared contact a veto. The floor is never below the level's own u, so
    such a level is at worst no evidence either way.
    """
    for comparison in settings.get("comparisons", []):
        name = comparison.get("output_column_name")
        for level in comparison["comparison_levels"]:
            least = M_FLOORS.get((name, level.get("label_for_charts")))
            if least is None:
                continue
            floor = max(least, level.get("u_probability") or 0.0)
            level["m_probability"] = max(level.get("m_probability") or 0.0, floor)
    return settings


def _string_comparison(col: str, near_sql: str, near_label: str) -> dict[str, Any]:
    return {
        "output_column_name": col,
        "comparison_description": col,
        "comparison_levels": [
            _null(col),
            _level(f"{col}_l = {col}_r", "exact", tf_col=col),
            _level(near_sql, near_label),
            _else(),
        ],
    }


def _household_comparison() -> dict[str, Any]:
    """Phone, email and address as one comparison.

    Relatives share all three, so as separate comparisons they would add up
    to some 40 bits of evidence and make a mother and her son one person.
    As one comparison, a shared household counts once.
    """
    phone = "coalesce(phone_l = phone_r, false)"
    email = "coalesce(email_l = email_r, false)"
    address = (
        "coalesce(address_l = address_r OR jaro_winkler_similarity(address_l, address_r) >= 0.9,"
        " false)"
    )
    contact = f"({phone} OR {email})"
    nulls = " AND ".join(f"({c}_l IS NULL OR {c}_r IS NULL)" for c in ("phone", "email", "address"))
    return {
        "output_column_name": "household",
        "comparison_description": "phone, email and address together",
        "comparison_levels": [
            {"sql_condition": nulls, "label_for_charts": "null", "is_null_level": True},
            _level(f"{phone} AND {email} AND {address}", "phone, email and address"),
            _level(f"{contact} AND {address}", "phone or email, and address"),
            _level(contact, CONTACT_ONLY_LEVEL),
            _level(address, "address only"),
            _else(),
        ],
    }


def _fix_contradictions(comparison: dict[str, Any]) -> dict[str, Any]:
    """Pin m of the contradicting levels: a person knows their own name and birth date.

    EM cannot learn this from registrations, because relatives share a
    surname, a household and often a given name or a birth date; left to EM,
    "different given name" or "different birth date" cost only ~8 bits and a
    household outweighs them. An applicant typing a wholly different given
    name, or a birth date more than two edits (or a swap) away, is taken to
    happen at most once in ten million true pairs. So is a given name that
    differs only by a gendered ending (Daniel / Daniela, Juan / Juana): the
    classic twins, whom a shared surname, birth date and household would
    otherwise merge.
    """
    for level in comparison["comparison_levels"]:
        if level["sql_condition"] == "ELSE" or level["label_for_charts"] == GENDERED_LEVEL:
            level |= {"m_probability": CONTRADICTION_M, "fix_m_probability": True}
    return comparison


def comparisons(attributes: Sequence[str], *, strict: bool = False) -> list[dict[str, Any]]:
    """The comparison list for the attributes a data set holds (names and DOB always).

    Args:
        attributes: Optional attributes present (see :data:`OPTIONAL_ATTRIBUTES`).
        strict: Registration data typed by the person themself: contacts are
            compared as one household comparison and a wholly different given
            name or birth date is (almost) a veto. Off for reference data sets
            such as FEBRL, whose corruption replaces whole fields.
    """
    given, family, dob = (
        _name_comparison("given", "family"),
        _name_comparison("family", "given"),
        _dob_comparison(),
    )
    if strict:
        given, dob = _fix_contradictions(given), _fix_contradictions(dob)
    out = [given, family, dob]
    near = {
        "address": ("jaro_winkler_similarity(address_l, address_r) >= 0.9", "similar"),
        "zip": ("damerau_levenshtein(zip_l, zip_r) <= 1", "one edit"),
        "phone": ("damerau_levenshtein(phone_l, phone_r) <= 1", "one edit"),
        "email": (
            "split_part(email_l, '@', 1) = split_part(email_r, '@', 1)",
            "same user name",
        ),
        "doc_number": ("damerau_levenshtein(doc_number_l, doc_number_r) <= 1", "one edit"),
    }
    household = strict and ("phone" in attributes or "email" in attributes)
    if household:
        out.append(_household_comparison())
    for attr in OPTIONAL_ATTRIBUTES:
        if attr in attributes and not (household and attr in HOUSEHOLD_ATTRIBUTES):
            out.append(_string_comparison(attr, *near[attr]))
    if "doc_number" in attributes:
        levels = out[-1]["comparison_levels"]
        levels.insert(
            -1, _level("damerau_levenshtein(doc_number_l, doc_number_r) <= 2", "two edits")
        )
    return out


def blocking_rules(attributes: Sequence[str], *, strict: bool = False) -> list[str]:
    """Candidate pairs: a true duplicate must share at least one of these.

    Each rule pairs a name key with (a swap-proof form of) the birth date, so
    blocks stay small even at millions of rows: ``dob_sorted`` is the year
    plus month and day in sorted order, which equals for exact and swapped
    dates alike. Names with a typo in the date are caught by both name keys
    plus the year, or plus month and day. Those two rules run once more with
    the keys crossed (given key against family key), for a person who writes
    the family name in the given-name field: a swap defeats every uncrossed
    rule, so a swapped pair with a wrong birth year was never compared. The
    crossed blocks are no bigger than the uncrossed ones (at scale 0.1 they
    add 231 of 339,551 distinct candidate pairs). Reference data sets (not
    ``strict``), whose corruption can replace a whole name or birth date, also
    block on ZIP or address with one name key (given or family); on
    registrations those blocks are too big (a shelter, a planted house of 358
    people) and add nothing.
    """
    same = "l.given_key = r.given_key AND l.family_key = r.family_key"
    swapped = "l.given_key = r.family_key AND l.family_key = r.given_key"
    month_day = "substr(l.dob, 5, 4) = substr(r.dob, 5, 4)"
    rules = [
        "l.dob_sorted = r.dob_sorted AND l.family_key = r.family_key",
        "l.dob_sorted = r.dob_sorted AND l.given_key = r.given_key",
        "l.dob = r.dob AND l.family_phon = r.family_phon",
        "l.dob = r.dob AND l.given_phon = r.given_phon",
        f"{same} AND l.dob_year = r.dob_year",
        f"{same} AND {month_day}",
        f"{swapped} AND l.dob_year = r.dob_year",
        f"{swapped} AND {month_day}",
        # A birth date one day off (1995-02-18 / 1995-02-19) with either name
        # key: the date's sorted form, year, and month and day all differ
        # across a month's end, and a name variant defeats the both-keys rules.
        "l.dob_next = r.dob AND l.family_key = r.family_key",
        "l.dob = r.dob_next AND l.family_key = r.family_key",
        "l.dob_next = r.dob AND l.given_key = r.given_key",
        "l.dob = r.dob_next AND l.given_key = r.given_key",
    ]
    if "doc_number" in attributes:
        rules.append("l.doc_number = r.doc_number")
    if "phone" in attributes:
        rules.append("l.phone = r.phone AND l.given_key = r.given_key AND l.dob_year = r.dob_year")
    if "zip" in attributes:
        rules.append("l.zip = r.zip AND l.given_key = r.given_key AND l.family_key = r.family_key")
        rules.append("l.zip = r.zip AND l.dob = r.dob")
        if not strict:
            rules.append("l.zip = r.zip AND l.given_key = r.given_key")
            rules.append("l.zip = r.zip AND l.family_key = r.family_key")
    if "address" in attributes and not strict:
        rules.append("l.address = r.address AND l.dob_year = r.dob_year")
        rules.append("l.address = r.address AND l.given_key = r.given_key")
        rules.append("l.address = r.address AND l.family_key = r.family_key")
    return rules


def build_settings(
    attributes: Sequence[str], link_type: LinkType = "dedupe_only", *, strict: bool = False
) -> dict[str, Any]:
    """An untrained Splink settings dict for the given optional attributes."""
    return {
        "link_type": link_type,
        "linker_uid": "puerta_identity",  # fixed, so a retrained model diffs cleanly
        "unique_id_column_name": "uid",
        "comparisons": comparisons(attributes, strict=strict),
        "blocking_rules_to_generate_predictions": blocking_rules(attributes, strict=strict),
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": [],
        "max_iterations": 20,
        "em_convergence": 0.0001,
    }


def attributes_of(frame: pl.DataFrame) -> tuple[str, ...]:
    """Optional attributes that hold at least one value in a feature frame."""
    return tuple(
        a for a in OPTIONAL_ATTRIBUTES if a in frame.columns and frame[a].null_count() < len(frame)
    )


def check_features(frame: pl.DataFrame) -> None:
    """Refuse any column that is not an identity feature (the protected-data guard)."""
    extra = set(frame.columns) - set(FEATURE_COLUMNS)
    if extra:
        raise ValueError(f"identity scoring only accepts identity features; got {sorted(extra)}")


def _connection(threads: int, memory_limit: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    return con


def _train(linker: Any, attributes: Sequence[str], *, recall: float, max_pairs: float) -> None:
    """Deterministic training: prior from exact rules, u by seeded sampling, m by EM."""
    exact = [
        "l.given_norm = r.given_norm AND l.family_norm = r.family_norm AND l.dob = r.dob",
    ]
    if "doc_number" in attributes:
        exact.append("l.doc_number = r.doc_number")
    linker.training.estimate_probability_two_random_records_match(exact, recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=SEED)
    em = linker.training.estimate_parameters_using_expectation_maximisation
    em("l.dob = r.dob", estimate_without_term_frequencies=True, max_pairs=2e6)
    em(
        "l.given_key = r.given_key AND l.family_key = r.family_key",
        estimate_without_term_frequencies=True,
        max_pairs=2e6,
    )


def start_from(
    start: dict[str, Any], attributes: Sequence[str], link_type: LinkType, *, strict: bool
) -> dict[str, Any]:
    """Fresh settings for ``attributes`` whose m (and u) start at ``start``'s values.

    Why: EM converges to the nearest fixed point, so where it starts matters on
    data with few duplicates; a model trained on the synthetic population is a
    reasonable first guess that the data at hand then corrects. Levels are
    matched by comparison and label, so a level the start model lacks starts
    at Splink's default. Fixed m (the contradictions) stay as built.
    """
    settings = build_settings(attributes, link_type, strict=strict)
    known = {
        (c["output_column_name"], lvl["label_for_charts"]): lvl
        for c in start.get("comparisons", [])
        for lvl in c["comparison_levels"]
    }
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            old = known.get((comparison["output_column_name"], level["label_for_charts"]))
            if not old or level.get("is_null_level") or level.get("fix_m_probability"):
                continue
            for prob in ("m_probability", "u_probability"):
                if old.get(prob) is not None:
                    level[prob] = old[prob]
    if start.get("probability_two_random_records_match"):
        settings["probability_two_random_records_match"] = start[
            "probability_two_random_records_match"
        ]
    return floor_near_dates(settings)


def predict_pairs(
    frames: pl.DataFrame | Sequence[pl.DataFrame],
    *,
    model: dict[str, Any] | str | Path | None = None,
    start: dict[str, Any] | str | Path | None = None,
    link_type: LinkType = "dedupe_only",
    strict: bool = False,
    threshold: float = 0.5,
    prior: float | None = None,
    recall: float = 0.6,
    u_max_pairs: float = 2e6,
    term_frequencies: bool = True,
    threads: int = 2,
    memory_limit: str = "4GB",
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Score candidate pairs of feature rows with Splink on DuckDB.

    Args:
        frames: One feature frame (dedupe) or two (link), columns from
            :data:`FEATURE_COLUMNS` only.
        model: A trained settings dict or JSON path, used as it is (near-date
            floors applied); ``None`` estimates a model on ``frames``
            (deterministic: fixed seed, hashed EM sample).
        start: With ``model=None``, the model whose m and u start the
            estimation (see :func:`start_from`); if EM fails on these data
            (no blocked pair to learn from), its values are used as they are.
        link_type: Splink link type.
        strict: Registration data (see :func:`comparisons`).
        threshold: Keep pairs with match probability at least this.
        prior: Override the model's probability that two random rows match
            (a trained model's prior belongs to the size of its training data).
        recall: Assumed recall of the exact name+DOB rule, for the prior.
        u_max_pairs: Random pairs sampled to estimate u probabilities.
        term_frequencies: Adjust exact agreements by how common the value is
            in ``frames``; off for data too small for a frequency to mean
            anything (a name seen twice in thirty rows is not common).
        threads: DuckDB threads.
        memory_limit: DuckDB memory limit.

    Returns:
        ``(pairs, trained_settings)``; pairs has ``uid_l``, ``uid_r`` (and
        ``source_dataset_l/_r`` when linking), ``match_weight``,
        ``match_probability``, ``match_key``, one ``mw_<comparison>`` match
        weight and one ``gamma_<comparison>`` level per comparison.

    Example:
        >>> pairs, model = predict_pairs(features)  # doctest: +SKIP
    """
    from splink import DuckDBAPI, Linker

    frames = [frames] if isinstance(frames, pl.DataFrame) else list(frames)
    for frame in frames:
        check_features(frame)
    attributes = attributes_of(pl.concat(frames, how="diagonal_relaxed"))
    start_time = time.perf_counter()
    con = _connection(threads, memory_limit)
    db_api = DuckDBAPI(connection=con)
    tables = []
    for i, frame in enumerate(frames):
        # A native table (not a view over Arrow) so joins see statistics.
        con.register(f"puerta_arrow_{i}", frame.drop("source_dataset", strict=False).to_arrow())
        con.execute(f"CREATE TABLE puerta_features_{i} AS SELECT * FROM puerta_arrow_{i}")  # noqa: S608
        con.unregister(f"puerta_arrow_{i}")
        tables.append(db_api.register(f"puerta_features_{i}", dataset_display_name=f"d{i}"))
    data = tables if len(tables) > 1 else tables[0]
    if model is None:
        settings: dict[str, Any] = (
            start_from(load_model(start), attributes, link_type, strict=strict)
            if start is not None
            else build_settings(attributes, link_type, strict=strict)
        )
        linker = Linker(data, settings, log_level=logging.ERROR)
        try:
            _train(linker, attributes, recall=recall, max_pairs=u_max_pairs)
            settings = linker.misc.save_model_to_json(out_path=None)
        except Exception:  # Splink raises bare errors on empty blocks
            if start is None:
                raise
            # Too few pairs to estimate on (EM found no blocked pair, or u
            # sampling none): keep the start model's values rather than none.
            logger.warning("identity estimation failed; using the start model", exc_info=True)
        logger.info("identity model estimated in %.1f s", time.perf_counter() - start_time)
    else:
        settings = load_model(model)
    floor_near_dates(settings)
    if not term_frequencies:
        settings = without_term_frequencies(settings)
    if prior is not None:
        settings["probability_two_random_records_match"] = prior
    # Keep the per-comparison match weights (mw_*) and levels (gamma_*) as evidence.
    settings["retain_intermediate_calculation_columns"] = True
    linker = Linker(data, settings, log_level=logging.ERROR)
    start_time = time.perf_counter()
    if len(tables) == 1:
        rules = settings["blocking_rules_to_generate_predictions"]
        blocked = _blocked_pairs(con, tables[0].physical_name, rules)
        linker.table_management.register_blocked_pairs_for_predict(db_api.register(blocked))
        logger.info("candidate pairs blocked in %.1f s", time.perf_counter() - start_time)
    result = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    relation = result.as_duckdbpyrelation()
    keep = [c for c in relation.columns if not c.startswith(("bf_", "tf_"))]
    pairs = relation.select(*keep).pl()  # .pl(), unlike .arrow(), copes with no rows
    logger.info("%d candidate pairs scored in %.1f s", len(pairs), time.perf_counter() - start_time)
    trained = linker.misc.save_model_to_json(out_path=None)
    con.close()
    assert isinstance(pairs, pl.DataFrame)
    return pairs, trained


def _blocked_pairs(con: duckdb.DuckDBPyConnection, table: str, rules: Sequence[Any]) -> str:
    """Distinct candidate pairs of a dedupe, as Splink's blocked-pairs table.

    Splink would run each rule excluding the pairs of the rules before it,
    which at millions of rows costs minutes; one equi-join per rule and a
    single GROUP BY over the integer pairs gives the same set in seconds.
    """
    # Table names and rules are this module's own constants, never user input.
    parts = []
    for i, rule in enumerate(rules):
        sql = rule if isinstance(rule, str) else rule["blocking_rule"]
        parts.append(
            f"SELECT l.uid AS join_key_l, r.uid AS join_key_r, '{i}' AS match_key "  # noqa: S608
            f"FROM {table} AS l JOIN {table} AS r ON ({sql}) AND l.uid < r.uid"
        )
    con.execute(
        "CREATE OR REPLACE TABLE puerta_blocked_pairs AS "  # noqa: S608
        "SELECT min(match_key) AS match_key, join_key_l, join_key_r FROM ("
        + " UNION ALL ".join(parts)
        + ") GROUP BY join_key_l, join_key_r"
    )
    return "puerta_blocked_pairs"


def without_term_frequencies(settings: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``settings`` with no term-frequency adjustment on any level."""
    settings = load_model(settings)
    for comparison in settings.get("comparisons", []):
        for level in comparison["comparison_levels"]:
            level.pop("tf_adjustment_column", None)
            level.pop("tf_adjustment_weight", None)
            level.pop("tf_minimum_u_value", None)
    return settings


def load_model(model: dict[str, Any] | str | Path) -> dict[str, Any]:
    """A trained settings dict from a dict (copied) or a JSON file."""
    if isinstance(model, dict):
        return json.loads(json.dumps(model))
    return json.loads(Path(model).read_text())


def save_model(model: dict[str, Any], path: str | Path, **meta: Any) -> None:
    """Write a trained model, and what it was trained on beside it (``.meta.json``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model, indent=1, sort_keys=True) + "\n")
    path.with_suffix(".meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")


def model_meta(path: str | Path) -> dict[str, Any]:
    """The ``.meta.json`` beside a saved model (empty if none)."""
    meta = Path(path).with_suffix(".meta.json")
    return json.loads(meta.read_text()) if meta.exists() else {}


def packaged_model_path(name: str = "puerta_identity") -> Path:
    """Where a trained model shipped with the package lives."""
    return MODELS_DIR / f"{name}.json"
