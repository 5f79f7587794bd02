"""U.S. addresses (and the many ways one is written), phones, e-mails, IPs.

All synthetic: street numbers and names are drawn, cities are real destination
cities with ZIP codes inside their state's range, phone numbers are valid
per ``phonenumbers`` but drawn at random.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from anyascii import anyascii

#: Destination cities: (city, state, ZIP3 prefixes, weight).
CITIES: tuple[tuple[str, str, tuple[str, ...], float], ...] = (
    ("New York", "NY", ("100", "101", "102"), 9.0),
    ("Brooklyn", "NY", ("112",), 5.0),
    ("Bronx", "NY", ("104",), 3.0),
    ("Miami", "FL", ("331", "330"), 8.0),
    ("Orlando", "FL", ("328",), 3.0),
    ("Tampa", "FL", ("336",), 2.0),
    ("Houston", "TX", ("770",), 7.0),
    ("Dallas", "TX", ("752",), 4.0),
    ("San Antonio", "TX", ("782",), 3.0),
    ("Austin", "TX", ("787",), 2.0),
    ("El Paso", "TX", ("799",), 1.0),
    ("Chicago", "IL", ("606",), 6.0),
    ("Denver", "CO", ("802",), 5.0),
    ("Los Angeles", "CA", ("900",), 6.0),
    ("San Diego", "CA", ("921",), 3.0),
    ("Sacramento", "CA", ("958",), 2.0),
    ("Newark", "NJ", ("071",), 3.0),
    ("Elizabeth", "NJ", ("072",), 2.0),
    ("Atlanta", "GA", ("303",), 3.0),
    ("Boston", "MA", ("021",), 3.0),
    ("Springfield", "MA", ("011",), 1.0),
    ("Philadelphia", "PA", ("191",), 2.0),
    ("Phoenix", "AZ", ("850",), 3.0),
    ("Las Vegas", "NV", ("891",), 2.0),
    ("Charlotte", "NC", ("282",), 2.0),
    ("Nashville", "TN", ("372",), 2.0),
    ("Salt Lake City", "UT", ("841",), 1.0),
    ("Seattle", "WA", ("981",), 2.0),
    ("Portland", "OR", ("972",), 1.0),
    ("Columbus", "OH", ("432",), 2.0),
    ("Minneapolis", "MN", ("554",), 1.0),
    ("Washington", "DC", ("200",), 2.0),
    ("Stamford", "CT", ("069",), 1.0),
)
CITY_WEIGHTS = tuple(c[3] for c in CITIES)
CITY_MISSPELLINGS = {
    "Brooklyn": "Brooklin",
    "Chicago": "Chicaco",
    "Houston": "Huston",
    "Philadelphia": "Philadelpia",
    "Denver": "Denber",
    "Miami": "Mayami",
    "Newark": "Nework",
    "San Antonio": "San Antonia",
    "Los Angeles": "Los Angelos",
}

STREET_NAMES = (
    "Main",
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Elm",
    "Washington",
    "Lincoln",
    "Jefferson",
    "Madison",
    "Franklin",
    "Park",
    "Lake",
    "Hill",
    "Church",
    "Sunset",
    "Highland",
    "Walnut",
    "Jackson",
    "Grant",
    "Adams",
    "Broad",
    "Spring",
    "River",
    "Ridge",
    "Forest",
    "Mill",
    "Union",
    "Center",
    "Chestnut",
    "Willow",
    "Magnolia",
    "Pleasant",
    "Prospect",
    "Valley",
    "Liberty",
    "Cherry",
    "Dogwood",
    "Sycamore",
    "Hickory",
    "Poplar",
    "Birch",
    "Meadow",
    "Hamilton",
    "Monroe",
    "Wilson",
    "Harrison",
    "Garfield",
    "Kennedy",
    "Roosevelt",
    "Martin Luther King Jr",
    "Cesar Chavez",
    "Fulton",
    "Atlantic",
    "Flatbush",
    "Grand",
    "Harlem",
    "Bergen",
    "Marion",
    "Kingsbridge",
    "Fordham",
    "Burnside",
    "Tremont",
    "1st",
    "2nd",
    "3rd",
    "4th",
    "5th",
    "6th",
    "7th",
    "8th",
    "9th",
    "10th",
    "11th",
    "12th",
    "14th",
    "16th",
    "18th",
    "21st",
    "23rd",
    "34th",
    "42nd",
    "57th",
    "72nd",
    "86th",
)
#: Street type: (canonical abbreviation, spelled out, misspellings).
STREET_TYPES = (
    ("St", "Street", ("Stret", "Streat")),
    ("Ave", "Avenue", ("Avenu", "Avenida", "Av")),
    ("Blvd", "Boulevard", ("Bulevard", "Boulevar")),
    ("Rd", "Road", ("Raod",)),
    ("Dr", "Drive", ("Drv", "Drieve")),
    ("Ln", "Lane", ("Lain",)),
    ("Ct", "Court", ("Cort",)),
    ("Pl", "Place", ("Plaza",)),
    ("Way", "Way", ("Wy",)),
    ("Ter", "Terrace", ("Terrase",)),
)
TYPE_WEIGHTS = (30, 25, 6, 8, 8, 5, 5, 4, 4, 2)
DIRECTIONS = (("N", "North"), ("S", "South"), ("E", "East"), ("W", "West"))


@dataclass(frozen=True)
class Address:
    """A place, canonically; ``render`` writes it the way one person would."""

    address_id: str
    number: str
    direction: int  # index in DIRECTIONS, -1 for none
    street: str
    street_type: int  # index in STREET_TYPES
    unit: str | None
    city: str
    state: str
    zip5: str
    plus4: str


def new_address(rng: random.Random, address_id: str, *, apartment: float = 0.45) -> Address:
    city, state, prefixes, _ = rng.choices(CITIES, weights=CITY_WEIGHTS)[0]
    unit = None
    if rng.random() < apartment:
        unit = str(rng.randint(1, 40)) if rng.random() < 0.7 else rng.choice("ABCDEF")
        if rng.random() < 0.3:
            unit = f"{rng.randint(1, 6)}{rng.choice('ABCD')}"
    return Address(
        address_id=address_id,
        number=str(
            rng.choice((rng.randint(1, 999), rng.randint(100, 9999), rng.randint(1000, 29999)))
        ),
        direction=rng.randrange(4) if rng.random() < 0.25 else -1,
        street=rng.choice(STREET_NAMES),
        street_type=rng.choices(range(len(STREET_TYPES)), weights=TYPE_WEIGHTS)[0],
        unit=unit,
        city=city,
        state=state,
        zip5=rng.choice(prefixes) + f"{rng.randint(1, 99):02d}",
        plus4=f"{rng.randint(1, 9999):04d}",
    )


def render(addr: Address, rng: random.Random) -> tuple[str, str | None, str, str, str | None]:
    """(line1, line2, city, state, zip) as one person might type this address.

    Abbreviated or spelled-out street types and directions, misspellings, unit
    as ``Apt 4`` / ``#4`` / ``Unit 4`` on either line, ZIP or ZIP+4 or none,
    and case. Whitespace is single, as the API stores it.
    """
    abbrev, spelled, typos = STREET_TYPES[addr.street_type]
    roll = rng.random()
    stype = (
        abbrev
        if roll < 0.5
        else spelled
        if roll < 0.8
        else abbrev + "."
        if roll < 0.92
        else (rng.choice(typos) if roll < 0.97 else "")
    )
    parts = [addr.number]
    if addr.direction >= 0:
        short, long_ = DIRECTIONS[addr.direction]
        parts.append(rng.choice((short, short + ".", long_)))
    parts.append(addr.street)
    if stype:
        parts.append(stype)
    line1 = " ".join(parts)
    line2 = None
    if addr.unit is not None:
        u = addr.unit
        unit = rng.choice(
            (f"Apt {u}", f"#{u}", f"Unit {u}", f"Apt. {u}", f"Apt{u}", f"# {u}", f"Apartment {u}")
        )
        if rng.random() < 0.35:
            line1 = f"{line1} {unit}"
        else:
            line2 = unit
    city = addr.city
    if rng.random() < 0.03:
        city = CITY_MISSPELLINGS.get(city, city)
    case = rng.random()
    if case < 0.12:
        line1, city = line1.upper(), city.upper()
        line2 = line2.upper() if line2 else None
    elif case < 0.18:
        line1, city = line1.lower(), city.lower()
        line2 = line2.lower() if line2 else None
    z = rng.random()
    zip_code = addr.zip5 if z < 0.72 else f"{addr.zip5}-{addr.plus4}" if z < 0.86 else None
    return line1, line2, city, addr.state, zip_code


# --- phones -----------------------------------------------------------------

#: Regions whose numbers people give: where they wait (MX), sponsors (US), home.
_PHONE_REGION = {"HT": "HT", "VE": "VE", "CU": "CU", "CO": "CO", "HN": "HN", "GT": "GT"}
_PHONE_REGION |= {"RU": "RU", "BY": "BY", "KZ": "KZ", "AM": "AM", "BR": "BR", "TR": "TR"}
_PHONE_REGION |= {"CN": "CN", "GE": "GE", "UZ": "UZ", "SV": "SV", "NI": "NI", "EC": "EC"}
_PHONE_REGION |= {"PE": "PE", "UA": "UA", "IN": "IN", "MR": "MR", "SN": "SN", "JM": "JM"}
_PHONE_REGION |= {"GY": "GY", "NG": "NG", "MX": "MX", "US": "US"}
_SUFFIX_DIGITS = 4


@lru_cache(maxsize=64)
def phone_prefixes(region: str) -> tuple[tuple[str, int], ...]:
    """Verified prefixes of mobile numbers (all but the last four digits).

    Found once per region with a fixed RNG: random prefixes of the example
    number's length are kept when four random completions are all valid.
    """
    rng = random.Random(f"phone-prefixes:{region}")
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    cc = example.country_code
    digits = str(example.national_number)
    length = len(digits)

    def valid(national: str) -> bool:
        number = phonenumbers.PhoneNumber(country_code=cc, national_number=int(national))
        return phonenumbers.is_valid_number_for_region(number, region)

    found: dict[str, None] = {}
    for _ in range(3000):
        keep = rng.choice((1, 2, 3)) if rng.random() < 0.7 else 0
        head = digits[:keep] + "".join(str(rng.randint(1 if keep == 0 else 0, 9)) for _ in range(1))
        prefix = (head + "".join(str(rng.randrange(10)) for _ in range(length)))[
            : length - _SUFFIX_DIGITS
        ]
        if all(valid(f"{prefix}{rng.randrange(10**_SUFFIX_DIGITS):04d}") for _ in range(4)):
            found[prefix] = None
            if len(found) >= 400:
                break
    return tuple((p, cc) for p in found)


def phone_for(region: str, unique: int) -> str:
    """The ``unique``-th number of a region: distinct uniques give distinct numbers."""
    prefixes = phone_prefixes(_PHONE_REGION.get(region, "MX"))
    space = len(prefixes) * 10**_SUFFIX_DIGITS
    k = (unique * 2_654_435_761 + 97) % space
    prefix, cc = prefixes[k // 10**_SUFFIX_DIGITS]
    return f"+{cc}{prefix}{k % 10**_SUFFIX_DIGITS:04d}"


# --- e-mail, devices, IPs ----------------------------------------------------

DOMAINS = (
    ("gmail.com",) * 11
    + ("hotmail.com",) * 3
    + ("yahoo.com",) * 2
    + (
        "outlook.com",
        "icloud.com",
    )
)
_LOCAL_DOMAINS = {"ru": ("mail.ru", "yandex.ru"), "hy": ("mail.ru",), "zh": ("qq.com", "163.com")}


def email_for(given: str, family: str, language: str, unique: int, rng: random.Random) -> str:
    g = "".join(c for c in anyascii(given.split()[0]).lower() if c.isalnum()) or "user"
    f = "".join(c for c in anyascii(family.split()[0]).lower() if c.isalnum())
    sep = rng.choice((".", "", "_"))
    local = f"{g}{sep}{f}{(unique * 7919) % 9_999_991}"[:60]
    domains = _LOCAL_DOMAINS.get(language)
    domain = rng.choice(domains) if domains and rng.random() < 0.4 else rng.choice(DOMAINS)
    return f"{local}@{domain}"


#: Mobile carrier blocks (first two octets) people register from, and hosting
#: blocks bots run from. Synthetic: no address is anyone's.
CARRIER_BLOCKS = ((187, 188), (189, 203), (201, 141), (177, 224), (200, 68), (148, 227))
HOSTING_BLOCKS = ((45, 77), (104, 248), (159, 89), (185, 220))


def carrier_ip(rng: random.Random) -> str:
    a, b = rng.choice(CARRIER_BLOCKS)
    return f"{a}.{b}.{rng.randrange(256)}.{rng.randint(1, 254)}"


def bot_subnet(rng: random.Random) -> tuple[int, int, int, int]:
    a, b = rng.choice(HOSTING_BLOCKS)
    return a, b, rng.randrange(256), rng.randrange(0, 240, 16)


def device_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"
