"""U.S. address normalisation: many ways of writing one place, one key.

Applicants write "123 Main Street Apt 4", "123 MAIN ST #4", "123 main st.
unit 4" and "123 Mian Stret" for one place, with a ZIP, a ZIP+4 or none.
Grouping on the raw text would split every planted address into dozens of
small ones, and no address would look suspicious.

How it stays fast on millions of rows: the cheap cleaning (case, punctuation,
spacing, ZIP) is vectorised in polars; the token rules run once per *distinct*
cleaned street line (cached), using the USPS Publication 28 tables that
usaddress-scourgify ships; scourgify and usaddress themselves parse only the
lines the rules cannot read (no leading house number), and any exception they
raise falls back to the cleaned text, so one bad address never stops a run.

Frame-level, ``key_addresses`` adds the grouping key; on top of the token
rules it merges misspelt street names and missing street types at one house
number ("123 MIAN ST", "123 MAIN" -> "123 MAIN ST") and repairs misspelt
cities from the ZIP or from the street address.

Example:
    >>> normalise_street("123 Main Street Apt 4")
    ('123 MAIN ST', '4', 'APT')
    >>> normalise_street("123 MAIN STRET # 4")
    ('123 MAIN ST', '4', '#')
"""

from __future__ import annotations

import re
from functools import lru_cache

import polars as pl
import usaddress
from rapidfuzz import fuzz, process
from scourgify import normalize_address_record
from scourgify.address_constants import (
    DIRECTIONAL_REPLACEMENTS,
    STATE_ABBREVIATIONS,
    STREET_TYPE_ABBREVIATIONS,
)

# Designators that start a unit. A narrower set than USPS's: words such as
# KEY, PIER or REAR are also street names.
UNIT_DESIGNATORS: dict[str, str] = {
    "APT": "APT",
    "APARTMENT": "APT",
    "APTO": "APT",
    "DEPTO": "APT",
    "DEPARTAMENTO": "APT",
    "UNIT": "UNIT",
    "UNT": "UNIT",
    "#": "#",
    "NO": "#",
    "NUM": "#",
    "STE": "STE",
    "SUITE": "STE",
    "RM": "RM",
    "ROOM": "RM",
    "FL": "FL",
    "FLOOR": "FL",
    "LOT": "LOT",
    "SPC": "SPC",
    "SPACE": "SPC",
    "TRLR": "TRLR",
    "TRAILER": "TRLR",
    "BLDG": "BLDG",
    "BUILDING": "BLDG",
    "OFC": "OFC",
    "OFFICE": "OFC",
    "PH": "PH",
}
OFFICE_DESIGNATORS = frozenset({"STE", "FL", "OFC"})
"""Designators of business premises: nobody plausibly lives there in numbers."""
INSTITUTION_DESIGNATORS = frozenset({"RM"})
"""Rooms: shelters, dormitories and hotels number rooms, homes do not."""
INSTITUTION_WORDS = (
    r"\b(SHELTER|ALBERGUE|REFUGIO|CASA DEL? MIGRANTE|MIGRANT|WELCOME CENTER|CENTER|CENTRE|"
    r"CENTRO|MISSION|MISION|CHURCH|IGLESIA|PARISH|PARROQUIA|CATHEDRAL|MINISTR\w*|"
    r"CHARIT\w*|RESPITE|HOSTEL|HOTEL|MOTEL|DORM\w*|BED|C/O|CARE OF)\b"
)
"""Building words of institution-like places, matched on the cleaned street line."""

# Misspellings seen in hand-typed forms, beyond USPS's own variants.
MISSPELLINGS: dict[str, str] = {
    "STRET": "ST",
    "STEET": "ST",
    "SREET": "ST",
    "STREE": "ST",
    "STRRET": "ST",
    "STREEET": "ST",
    "STRETT": "ST",
    "SSTREET": "ST",
    "STEERT": "ST",
    "AVENEU": "AVE",
    "AVENUW": "AVE",
    "AVEUNE": "AVE",
    "AVNEUE": "AVE",
    "AVENU": "AVE",
    "AVE.": "AVE",
    "RAOD": "RD",
    "ROAF": "RD",
    "RODE": "RD",
    "DRIEV": "DR",
    "DIRVE": "DR",
    "DRVIE": "DR",
    "BOULEVAR": "BLVD",
    "BULEVARD": "BLVD",
    "BOULEVERD": "BLVD",
    "BLVRD": "BLVD",
    "BOLEVARD": "BLVD",
    "LAEN": "LN",
    "LANEE": "LN",
    "COUTR": "CT",
    "CORT": "CT",
    "CIRLCE": "CIR",
    "CIRCEL": "CIR",
    "PALCE": "PL",
    "PLACEE": "PL",
    "TRIAL": "TRL",
    "PARKWY": "PKWY",
    "HIGWAY": "HWY",
    "HIHGWAY": "HWY",
    "STREAT": "ST",
    "AVENIDA": "AVE",
    "WY": "WAY",
    "LAIN": "LN",
    "TERRASE": "TER",
    "DRIEVE": "DR",
}
ORDINALS: dict[str, str] = {
    "FIRST": "1ST",
    "SECOND": "2ND",
    "THIRD": "3RD",
    "FOURTH": "4TH",
    "FIFTH": "5TH",
    "SIXTH": "6TH",
    "SEVENTH": "7TH",
    "EIGHTH": "8TH",
    "NINTH": "9TH",
    "TENTH": "10TH",
}
CITY_PREFIXES: dict[str, str] = {"ST": "SAINT", "FT": "FORT", "MT": "MOUNT", "PT": "POINT"}

_STREET_TYPE_LONG = sorted(
    {k for k, v in STREET_TYPE_ABBREVIATIONS.items() if len(k) >= 5 and " " not in k}
)
_NUMBER = re.compile(r"^\d+[A-Z]?$|^\d+-\d+[A-Z]?$|^\d+/\d+$")
_PUNCT = re.compile(r"[^A-Z0-9# /-]+")
_SPACES = re.compile(r"\s+")
_GLUED_UNIT = re.compile(r"\b(APT|APARTMENT|UNIT|STE|SUITE|RM|SPC|LOT)(\d+[A-Z]?|[A-H])\b")


def clean_text(text: str | None) -> str:
    """Upper case, ASCII-ish punctuation removed, '#' split off, spaces collapsed."""
    if not text:
        return ""
    t = _PUNCT.sub(" ", text.upper().replace(".", " ").replace(",", " "))
    t = t.replace("#", " # ")
    t = _GLUED_UNIT.sub(r"\1 \2", t)
    return _SPACES.sub(" ", t).strip()


def _street_type(token: str, *, last: bool) -> str:
    mapped = STREET_TYPE_ABBREVIATIONS.get(token) or MISSPELLINGS.get(token)
    if mapped:
        return mapped
    if last and len(token) >= 5 and token.isalpha():
        return _fuzzy_type(token)
    return token


@lru_cache(maxsize=100_000)
def _fuzzy_type(token: str) -> str:
    """A misspelled street type at the end of the line: "AVENEUE", "BOULEVRD"."""
    match = process.extractOne(token, _STREET_TYPE_LONG, scorer=fuzz.ratio, score_cutoff=86)
    return STREET_TYPE_ABBREVIATIONS[match[0]] if match else token


def _normalise_tokens(tokens: list[str]) -> tuple[str, str, str] | None:
    """The rules: number, street words, unit. None when there is no house number."""
    if not tokens or not _NUMBER.match(tokens[0]):
        return None
    unit_at = next(
        (i for i, t in enumerate(tokens) if i >= 2 and t in UNIT_DESIGNATORS),
        len(tokens),
    )
    street = tokens[1:unit_at]
    unit_tokens = tokens[unit_at:]
    designator = UNIT_DESIGNATORS[unit_tokens[0]] if unit_tokens else ""
    unit_ids = [t.lstrip("#").replace("-", "") for t in unit_tokens if t not in UNIT_DESIGNATORS]
    out = [tokens[0]]
    for i, tok in enumerate(street):
        tok = DIRECTIONAL_REPLACEMENTS.get(tok, tok)
        tok = ORDINALS.get(tok, tok)
        out.append(_street_type(tok, last=i == len(street) - 1))
    return " ".join(out), "".join(unit_ids), designator


def _library_parse(line: str) -> list[str]:
    """scourgify first, then usaddress, then the cleaned text: never raises."""
    try:
        record = normalize_address_record(line)
        text = " ".join(filter(None, (record.get("address_line_1"), record.get("address_line_2"))))
        return clean_text(text).split()
    except Exception:  # noqa: S110 - scourgify raises many types on odd input
        pass
    try:
        tagged, _ = usaddress.tag(line)
        parts = [v for k, v in tagged.items() if k not in {"PlaceName", "StateName", "ZipCode"}]
        return clean_text(" ".join(parts)).split()
    except Exception:  # noqa: S110 - usaddress raises RepeatedLabelError and others
        pass
    return clean_text(line).split()


def normalise_street(line: str) -> tuple[str, str, str]:
    """Normalise one street line (line 1 and line 2 joined).

    Returns:
        (street key, unit id, unit designator). The designator is kept apart
        so that "Apt 4", "#4" and "Unit 4" give one key, while the place type
        (apartment, office) stays known.
    """
    return _normalise_cleaned(clean_text(line))


@lru_cache(maxsize=2_000_000)
def _normalise_cleaned(cleaned: str) -> tuple[str, str, str]:
    """``normalise_street`` for a line already through ``clean_text`` (or the
    equivalent vectorised ``_street_line``)."""
    tokens = cleaned.split()
    # A ZIP typed into the street line is not part of the street.
    if len(tokens) > 2 and re.fullmatch(r"\d{5}(-\d{4})?", tokens[-1]):
        tokens = tokens[:-1]
    result = _normalise_tokens(tokens)
    if result is None:
        result = _normalise_tokens(_library_parse(cleaned))
    if result is None:
        return " ".join(tokens), "", ""
    return result


@lru_cache(maxsize=200_000)
def normalise_city(city: str | None) -> str:
    """Upper case, no punctuation, "St." -> "SAINT" and similar prefixes."""
    tokens = clean_text(city).replace("#", "").split()
    if tokens and tokens[0] in CITY_PREFIXES and len(tokens) > 1:
        tokens[0] = CITY_PREFIXES[tokens[0]]
    return " ".join(tokens)


@lru_cache(maxsize=1_000)
def normalise_state(state: str | None) -> str:
    """Two-letter USPS state code from a code or a name."""
    s = clean_text(state).replace("#", "").strip()
    if len(s) == 2:
        return s
    return STATE_ABBREVIATIONS.get(s, s)


def zip5(zip_code: str | None) -> str:
    """The five-digit ZIP of a ZIP or ZIP+4; empty when missing or malformed."""
    m = re.match(r"\s*(\d{5})", zip_code or "")
    return m.group(1) if m else ""


_VECTOR_RULES = (
    (r"\b(APARTMENT|APT|UNIT)\s*([0-9]+[A-Z]?|[A-H])\b", "APT $2"),
    (r"\b(STE|SUITE|RM|SPC|LOT)([0-9]+[A-Z]?|[A-H])\b", "$1 $2"),
    (r"\bSTREET\b", "ST"),
    (r"\bAVENUE\b", "AVE"),
    (r"\bBOULEVARD\b", "BLVD"),
    (r"\bROAD\b", "RD"),
    (r"\bDRIVE\b", "DR"),
    (r"\bLANE\b", "LN"),
    (r"\bCOURT\b", "CT"),
    (r"\bPLACE\b", "PL"),
    (r"\bTERRACE\b", "TER"),
    (r"\bNORTH\b", "N"),
    (r"\bSOUTH\b", "S"),
    (r"\bEAST\b", "E"),
    (r"\bWEST\b", "W"),
)


def _street_line(line1: pl.Expr | None = None, line2: pl.Expr | None = None) -> pl.Expr:
    line1 = pl.col("address_line1") if line1 is None else line1
    line2 = pl.col("address_line2") if line2 is None else line2
    line = pl.concat_str([line1.fill_null(""), line2.fill_null("")], separator=" ")
    line = (
        line.str.to_uppercase()
        .str.replace_all(r"[.,]", " ")
        .str.replace_all(r"[^A-Z0-9# /-]+", " ")
        .str.replace_all("#", " # ")
    )
    # The commonest spellings, collapsed here so fewer distinct lines reach Python;
    # the token rules map the same words the same way, so keys do not change.
    for pattern, repl in _VECTOR_RULES:
        line = line.str.replace_all(pattern, repl)
    return line.str.replace_all(r"\s+", " ").str.strip_chars()


def street_keys(line1: pl.Series, line2: pl.Series | None = None) -> pl.Series:
    """Each row's normalised street and unit in lower case; null when there is none.

    What the identity model compares as a traveler's ``address``: the street
    lines normalised by exactly the rules :func:`key_addresses` uses, one
    call per distinct line. The city is left out (ZIP is compared on its
    own) and so are the frame-level repairs of :func:`key_addresses`
    (misspelt street names, cities), which need every row of a group.

    Example:
        >>> street_keys(pl.Series(["123 Main Street", "123 MAIN ST #4", "45 First Ave"]),
        ...     pl.Series(["Apt 4", None, None])).to_list()
        ['123 main st 4', '123 main st 4', '45 1st ave']
    """
    line2 = pl.Series([None] * len(line1), dtype=pl.String) if line2 is None else line2
    lines = pl.select(
        _street_line(pl.lit(line1.cast(pl.String)), pl.lit(line2.cast(pl.String))).alias("line")
    )["line"]
    parts = _map_distinct(lines, _normalise_cleaned, ("street", "unit", "designator"))
    key = pl.concat_str(["street", "unit"], separator=" ").str.strip_chars().str.to_lowercase()
    table = parts.select("line", key.replace("", None).alias("key"))
    return lines.to_frame().join(table, on="line", how="left", maintain_order="left")["key"]


def _map_distinct(series: pl.Series, fn, names: tuple[str, ...]) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """Apply ``fn`` once per distinct value; ``fn`` returns one value per name."""
    values = series.unique().to_list()
    results = [fn(v) for v in values]
    if len(names) == 1:
        return pl.DataFrame({series.name: values, names[0]: results}, strict=False)
    columns = list(zip(*results, strict=True)) if results else [[] for _ in names]
    return pl.DataFrame(
        {series.name: values, **{n: list(c) for n, c in zip(names, columns, strict=True)}},
        schema={series.name: series.dtype, **dict.fromkeys(names, pl.String)},
    )


def _canonical_cities(df: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """(state, zip5, city_n) -> city_c: the ZIP's usual spelling, or a fuzzy match."""
    combos = df.group_by("state_n", "zip5", "city_n").agg(pl.col("n").sum().alias("len"))
    by_zip = (
        combos.filter(pl.col("zip5") != "")
        .sort(["len", "city_n"], descending=[True, False])
        .group_by("state_n", "zip5", maintain_order=True)
        .agg(pl.col("city_n").first().alias("zip_city"))
    )
    combos = combos.join(by_zip, on=["state_n", "zip5"], how="left")
    known = by_zip.group_by("state_n").agg(pl.col("zip_city").unique().sort())
    known_by_state = dict(zip(known["state_n"].to_list(), known["zip_city"].to_list(), strict=True))
    fixed: list[str] = []
    for state, city, zip_city in combos.select("state_n", "city_n", "zip_city").iter_rows():
        if zip_city is not None:
            fixed.append(zip_city)
            continue
        choices = known_by_state.get(state) or []
        if city in choices or not choices:
            fixed.append(city)
            continue
        match = process.extractOne(city, choices, scorer=fuzz.ratio, score_cutoff=threshold)
        fixed.append(match[0] if match else city)
    return combos.with_columns(city_c=pl.Series(fixed, dtype=pl.String)).select(
        "state_n", "zip5", "city_n", "city_c"
    )


_TYPES = frozenset(STREET_TYPE_ABBREVIATIONS.values())
_DIRECTIONS = frozenset(DIRECTIONAL_REPLACEMENTS.values())


def _split_type(street: str) -> tuple[str, str]:
    """("123 MAIN", "ST") from "123 MAIN ST"; a lone name after the number (and
    directional) stays the name ("35 FRST" and "593 E RIV" are Forest and River)."""
    head, _, last = street.rpartition(" ")
    named = [t for t in head.split()[1:] if t not in _DIRECTIONS]
    return (head, last) if named and last in _TYPES else (street, "")


def _same_street(name: str, n_name: int, canon: str, n_canon: int, threshold: float) -> bool:
    """Is ``name`` (rarer) another writing of ``canon`` at the same number and city?

    Yes when the spelling is close, or when only the street type differs and
    one of them is missing or much rarer ("123 MAIN" / "123 MAIN ST", a
    "Plaza" typed for "Place").
    """
    if fuzz.ratio(name, canon) >= threshold:
        return True
    core_a, type_a = _split_type(name)
    core_b, type_b = _split_type(canon)
    if core_a == core_b or fuzz.ratio(core_a, core_b) >= threshold:
        return not type_a or not type_b or type_a == type_b or n_name * 4 <= n_canon
    return False


def _merge_misspelt_streets(df: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Map each street to the commonest writing at the same number, unit, city, state."""
    streets = (
        df.group_by("street", "unit", "city_c", "state_n")
        .agg(pl.col("n").sum().alias("len"))
        .with_columns(number=pl.col("street").str.extract(r"^(\d\S*) ", 1))
        .filter(pl.col("number").is_not_null())
    )
    blocks = streets.filter(pl.len().over("number", "unit", "city_c", "state_n") > 1).sort(
        ["len", "street"], descending=[True, False]
    )
    mapping: dict[tuple[str, str, str, str], str] = {}
    grouped = blocks.group_by("number", "unit", "city_c", "state_n", maintain_order=True).agg(
        "street", "len"
    )
    for _number, unit, city, state, names, counts in grouped.iter_rows():
        canon: list[tuple[str, int]] = []
        for name, n in zip(names, counts, strict=True):  # commonest first
            hit = next((c for c, m in canon if _same_street(name, n, c, m, threshold)), None)
            if hit:
                mapping[(name, unit, city, state)] = hit
            else:
                canon.append((name, n))
    if not mapping:
        return df
    remap = pl.DataFrame(
        [(*k, v) for k, v in mapping.items()],
        schema=["street", "unit", "city_c", "state_n", "street_c"],
        orient="row",
    )
    return (
        df.join(remap, on=["street", "unit", "city_c", "state_n"], how="left")
        .with_columns(street=pl.coalesce("street_c", "street"))
        .drop("street_c")
    )


def _adopt_city_by_street(df: pl.DataFrame) -> pl.DataFrame:
    """A city spelt unlike any ZIP-backed city, with no ZIP, takes the city of
    the same street address when that address exists in only one city of the
    state ("123 MAIN ST, Mayami FL" -> Miami)."""
    backed = df.filter(pl.col("zip5") != "").select("state_n", "city_c").unique()
    orphans = df.filter(pl.col("zip5") == "").join(backed, on=["state_n", "city_c"], how="anti")
    if orphans.height == 0:
        return df
    homes = (
        df.filter(pl.col("zip5") != "")
        .group_by("street", "unit", "state_n")
        .agg(pl.col("city_c").unique())
        .filter(pl.col("city_c").list.len() == 1)
        .with_columns(pl.col("city_c").list.first().alias("home_city"))
        .drop("city_c")
    )
    fix = (
        orphans.select("street", "unit", "state_n", "city_c")
        .unique()
        .join(homes, on=["street", "unit", "state_n"])
    )
    # Only a misspelling moves: "Mayami" joins Miami, "Dallas" never joins Houston.
    close = [fuzz.ratio(a, b) >= 60 for a, b in fix.select("city_c", "home_city").iter_rows()]
    fix = fix.filter(pl.Series(close, dtype=pl.Boolean))
    return (
        df.join(fix, on=["street", "unit", "state_n", "city_c"], how="left")
        .with_columns(
            city_c=pl.when(pl.col("zip5") == "")
            .then(pl.coalesce("home_city", "city_c"))
            .otherwise("city_c")
        )
        .drop("home_city")
    )


def _named_place() -> pl.Expr:
    """The written text that can name a building: line 2, and line 1 when it
    does not start with a house number ("Casa del Migrante, 12 Elm St").
    A street named after one ("Church St", "Center Dr") is not a building word."""
    line1 = pl.col("address_line1").fill_null("").str.to_uppercase()
    named = pl.when(line1.str.contains(r"^\s*\d")).then(pl.lit("")).otherwise(line1)
    return pl.concat_str(
        [named, pl.col("address_line2").fill_null("").str.to_uppercase()], separator=" "
    ).str.replace_all(r"[.,]", " ")


def key_addresses(
    df: pl.DataFrame, *, street_fuzz: float = 85.0, city_fuzz: float = 85.0
) -> pl.DataFrame:
    """Add ``address_key`` (and its parts) to every row.

    The key is ``street|unit|city|state``; the ZIP is not part of it, so rows
    with and without a ZIP meet, but it picks the city's spelling.

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"address_line1": ["123 Main Street", "123 main st."],
        ...     "address_line2": ["Apt 4", "#4"], "city": ["Houston", "HOUSTON"],
        ...     "state": ["TX", "tx"], "zip_code": ["77002-1234", None]})
        >>> key_addresses(df)["address_key"].unique().to_list()
        ['123 MAIN ST|4|HOUSTON|TX']
    """
    raw = ["address_line1", "address_line2", "city", "state", "zip_code"]
    # Every step below runs once per distinct written address, weighted by its
    # count ``n``; the rows get their key back with one join at the end.
    # Group on a 64-bit hash of the written address: far lighter than five strings.
    tag = pl.concat_str([pl.col(c).fill_null("\x00") for c in raw], separator="\x1f").hash(7)
    df = df.with_columns(_place=tag)
    places = df.group_by("_place").agg(*[pl.col(c).first() for c in raw], pl.len().alias("n"))
    places = places.with_columns(
        street_line=_street_line(),
        zip5=pl.col("zip_code").str.extract(r"^\s*(\d{5})", 1).fill_null(""),
    )
    streets = _map_distinct(
        places["street_line"], _normalise_cleaned, ("street", "unit", "designator")
    )
    cities = _map_distinct(places["city"], normalise_city, ("city_n",))
    states = _map_distinct(places["state"], normalise_state, ("state_n",))
    places = (
        places.join(streets, on="street_line", how="left")
        .join(cities, on="city", how="left", nulls_equal=True)
        .join(states, on="state", how="left", nulls_equal=True)
    )
    places = places.join(
        _canonical_cities(places, city_fuzz), on=["state_n", "zip5", "city_n"], how="left"
    )
    places = _merge_misspelt_streets(places, street_fuzz)
    places = _adopt_city_by_street(places)
    place = (
        pl.when(pl.col("street").str.starts_with("PO BOX"))
        .then(pl.lit("po_box"))
        .when(
            pl.col("designator").is_in(list(INSTITUTION_DESIGNATORS))
            | _named_place().str.contains(INSTITUTION_WORDS)
        )
        .then(pl.lit("institution"))
        .when(pl.col("designator").is_in(list(OFFICE_DESIGNATORS)))
        .then(pl.lit("office"))
        .when(pl.col("unit") != "")
        .then(pl.lit("apartment"))
        .otherwise(pl.lit("house"))
    )
    places = places.with_columns(
        address_key=pl.concat_str(["street", "unit", "city_c", "state_n"], separator="|"),
        place_type=place,
    ).select("_place", "street", "unit", "city_c", "state_n", "zip5", "address_key", "place_type")
    return df.join(places, on="_place", how="left").drop("_place")
