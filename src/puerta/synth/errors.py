"""The error classes of real registration data that no fraud explains (issue #13).

Each is planted so that ``puerta trends evaluate`` can measure whether the
analyses hold on them; truth names every one (``noise`` and ``error_class``,
docs/data-formats.md). Two kinds:

* Writing errors on a person's duplicate registrations (:func:`dob_day`,
  :func:`dob_digit`, :func:`email_variant`, :func:`phone_form`,
  :func:`romanisation`): the same person, written differently.
* Innocent coincidences between different people (:func:`plant_friend_groups`,
  :func:`plant_namesakes`, :func:`plant_service_contacts`): unrelated
  households that share one thing (a flat, a name and birth date, an aid
  organisation's phone) and nothing else. None of them is fraud.

Everything here draws from its own random stream (the chunk's ``errors``
RNG), after the fraud is planted, so the planted patterns and the report's
calibrated figures are drawn exactly as before.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import phonenumbers

from puerta.synth import conventions, names, places
from puerta.synth.namelists import ARABIC_PHONEMIC
from puerta.synth.plan import ChunkPlan, Plan
from puerta.synth.population import Household, Person
from puerta.synth.profiles import Profile

#: Probability of each writing error on a duplicate row that the main noise
#: left clean in that field (docs/data-formats.md).
RATES = {
    "dob_day": 0.02,
    "dob_digit": 0.012,
    "email_variant": 0.08,
    "phone_form": 0.10,
    "romanisation": 0.30,
    "ring_email_variant": 0.25,  # per ring registration written with the ring's e-mail
}
#: Population-level classes, per 100,000 persons.
FRIEND_FLATS_PER_100K = 120.0
NAMESAKE_PAIRS_PER_100K = 200.0

# --- dates of birth ------------------------------------------------------------


def dob_day(d: date, rng: random.Random, latest: date) -> date:
    """One day before or after: a slip at the month's end crosses it (03-31, 04-01)."""
    out = d + timedelta(days=rng.choice((-1, 1)))
    return out if out <= latest else d - timedelta(days=1)


def dob_digit(d: date, rng: random.Random, latest: date) -> date:
    """One digit of ``YYYY-MM-DD`` typed wrong: still a real date, not after ``latest``
    (the registration), not one day off (that is :func:`dob_day`), and within a
    hundred years (the form refuses a date more than 120 years ago, so real data
    holds no such slip)."""
    text = d.isoformat()
    spots = [i for i, c in enumerate(text) if c.isdigit() and i not in (0, 1)]
    for _ in range(40):
        i = rng.choice(spots)
        digit = str(rng.randrange(10))
        if digit == text[i]:
            continue
        try:
            out = date.fromisoformat(text[:i] + digit + text[i + 1 :])
        except ValueError:
            continue
        if abs((out - d).days) > 1 and date(latest.year - 100, 1, 1) <= out <= latest:
            return out
    return d


# --- e-mail ----------------------------------------------------------------------


def email_variant(email: str, rng: random.Random) -> str:
    """The same mailbox retyped: capitals, a dot more or less, or a ``+tag``.

    Only changes that :func:`puerta.contacts.email_key` folds; digits and
    ``_`` stay (they make another mailbox). The domain stays as it was: the
    API stores domains in lower case, so a capital there never reaches data.
    """
    local, domain = email.split("@", 1)
    kind = rng.randrange(4)
    if kind == 0 and local[:1].isalpha():
        return local[:1].upper() + local[1:] + "@" + domain
    if kind == 1:
        if "." in local and rng.random() < 0.5:
            return local.replace(".", "", 1) + "@" + domain
        spots = [i for i in range(1, len(local)) if local[i - 1].isalpha() and local[i].isalpha()]
        if spots:
            i = rng.choice(spots)
            return local[:i] + "." + local[i:] + "@" + domain
    if kind == 2:
        tag = rng.choice(("cbp", "cita", "one", "app", "2023", "mx", "familia"))
        return f"{local}+{tag}@{domain}"
    return local.upper() + "@" + domain


# --- phones ------------------------------------------------------------------------


def phone_form(e164: str, rng: random.Random) -> str:
    """The same number written another usual way.

    Mexican mobiles: the pre-2019 ``52 1 ddd ddd dddd`` (with or without the
    ``+``), spaced, without the ``+``, or the ten national digits. Others: the
    international form with spaces or dashes (always with ``+``: without it a
    foreign number reads as Mexican).
    """
    number = phonenumbers.parse(e164)
    national = str(number.national_number)
    if number.country_code == 52 and len(national) == 10:
        a, b, c = national[:3], national[3:6], national[6:]
        return rng.choice(
            (
                f"52 1 {a} {b} {c}",
                f"+52 1 {a} {b} {c}",
                f"521{national}",
                f"52 {a} {b} {c}",
                f"+52 {a} {b} {c}",
                f"{a} {b} {c}",
                f"({a}) {b}-{c}",
            )
        )
    spaced = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if number.country_code == 1:
        a, b, c = national[:3], national[3:6], national[6:]
        return rng.choice((spaced, f"+1 ({a}) {b}-{c}", f"+1-{a}-{b}-{c}"))
    return spaced if rng.random() < 0.6 else spaced.replace(" ", "-")


# --- romanisation --------------------------------------------------------------------

_LANGUAGE = {"ru_RU": "ru", "uk_UA": "uk", "hy_AM": "hy", "ka_GE": "ka", "hand:arabic": "ar"}
_FEMININE = (("skaya", "skiy", "ская", "ский"), ("aya", "iy", "ая", "ий"))
_FEMININE += (("ova", "ov", "ова", "ов"), ("eva", "ev", "ева", "ев"), ("ina", "in", "ина", "ин"))


def _native_word(word: str, source: str, pool_: names.NamePool) -> str | None:
    """One canonical word in the script (or transcription) the conventions start from."""
    if source == "hand:arabic":
        return ARABIC_PHONEMIC.get(word)
    native = pool_.native.get(word)
    if native is None and pool_.script == "cyrillic":  # feminised surnames (population._feminine)
        for lat_f, lat_m, cyr_f, cyr_m in _FEMININE:
            male = pool_.native.get(word[: -len(lat_f)] + lat_m) if word.endswith(lat_f) else None
            if male and male.endswith(cyr_m):
                return male[: -len(cyr_m)] + cyr_f
    return native


def native_of(name: str, source: str) -> str | None:
    """The whole name in its native form, when every word has one."""
    if source not in _LANGUAGE:
        return None
    pool_ = names.pool(source)
    parts = [_native_word(w, source, pool_) for w in name.split()]
    return None if any(p is None for p in parts) else " ".join(parts)  # type: ignore[misc]


@lru_cache(maxsize=65_536)
def spellings(name: str, source: str) -> dict[str, str]:
    """Each convention's spelling of a canonical name (empty when it has no native form)."""
    native = native_of(name, source)
    if native is None:
        return {}
    return conventions.all_spellings(native, _LANGUAGE[source])


def romanisation(p: Person, rng: random.Random) -> tuple[str, str] | None:
    """Given and family names in one other convention, or ``None`` if none differs."""
    source = p.household.source
    if source not in _LANGUAGE:
        return None
    convention = rng.choice(conventions.CONVENTIONS)
    g = spellings(p.given, source).get(convention, p.given)
    f = spellings(p.family, source).get(convention, p.family)
    return None if (g, f) == (p.given, p.family) else (g, f)


# --- aid organisations' contacts -------------------------------------------------


@dataclass(frozen=True)
class ServiceContact:
    """An aid organisation whose desk writes its own phone or e-mail on clients' forms."""

    sid: str
    label: str
    phone: str | None
    email: str | None
    listed: bool  # in shared_contacts.csv
    weight: float  # households per 100,000 persons


_ORGS = (
    ("Legal aid clinic", True, True, True, 150.0),
    ("Parish migrant desk", True, False, True, 110.0),
    ("Shelter front desk", True, True, True, 90.0),
    ("Refugee help line", False, True, True, 70.0),
    ("Immigrant rights project", True, True, False, 130.0),
    ("Church of the Good Shepherd", True, False, False, 90.0),
    ("Community centre", False, True, False, 80.0),
    ("Volunteer lawyers", True, False, False, 60.0),
)
_ORG_EMAIL = ("asesoria", "parroquia", "albergue", "ayuda", "derechos", "iglesia", "centro")


def service_contacts(profile: Profile) -> tuple[ServiceContact, ...]:
    """The profile's aid organisations: fixed per profile, not per seed (like the
    shelters), so a configured list stays valid across generated data sets."""
    return _service_contacts(profile.name)


@lru_cache(maxsize=8)
def _service_contacts(name: str) -> tuple[ServiceContact, ...]:
    rng = random.Random(f"{name}:service-contacts")
    out = []
    for i, (label, phone, email, listed, weight) in enumerate(_ORGS, start=1):
        place = rng.choice(places.CITIES)[0]
        city = place.lower().replace(" ", "")
        out.append(
            ServiceContact(
                sid=f"SC{i:02d}",
                label=f"{label} {place}",
                # Offset by 5,000 within each block of 10,000: a ring's phone is
                # 50,000,000 + chunk x 10,000 + ring, and phone_for wraps around
                # its number space in steps of 10,000, so the two never meet.
                phone=places.phone_for("MX" if i % 3 else "US", 90_005_000 + i) if phone else None,
                email=f"{_ORG_EMAIL[(i - 1) % len(_ORG_EMAIL)]}.{city}@gmail.com"
                if email
                else None,
                listed=listed,
                weight=weight,
            )
        )
    return tuple(out)


# --- planting among households ----------------------------------------------------


def _clean(households: list[Household], fraud: set[int]) -> list[Household]:
    """Households no fraud touches: their coincidences are the only thing planted."""
    return [
        h
        for h in households
        if h.index not in fraud
        and h.cluster_id is None
        and h.top_ten is None
        and h.coalition is None
        and not h.bot
        and h.friend_group is None
        and h.service_contact is None
        and h.namesake is None
    ]


def plant_friend_groups(
    plan: Plan, chunk: ChunkPlan, households: list[Household], fraud: set[int], rng: random.Random
) -> None:
    """Shared flats: 6 to 12 people of three or more small unrelated households.

    They move from a private address of their own to one ordinary flat
    (``address_kind`` ``friends``); no fraud is planted on them.
    """
    n = round(FRIEND_FLATS_PER_100K * chunk.persons / 100_000)
    pool = [h for h in _clean(households, fraud) if h.address_kind == "private"]
    pool = [h for h in pool if len(h.members) <= 3]
    rng.shuffle(pool)
    for g in range(n):
        target, group, size = rng.randint(6, 12), [], 0
        while pool and (size < target or len(group) < 3):
            h = pool.pop()
            if size + len(h.members) > 12:
                continue
            group.append(h)
            size += len(h.members)
        if size < 6 or len(group) < 3:
            break
        gid = f"F{chunk.index}-{g}"
        addr = places.new_address(rng, f"ADDR-{plan.seed}-F{chunk.index}-{g}", apartment=0.6)
        for h in group:
            h.address, h.address_kind, h.friend_group = addr, "friends", gid


def plant_namesakes(
    chunk: ChunkPlan, households: list[Household], fraud: set[int], rng: random.Random
) -> None:
    """Pairs of different people with one given name, family name and birth date.

    The second takes the first's name and date and keeps everything else of
    their own (household, private address, phone, device); their e-mail is
    made again from the new name, a different mailbox. Pairs share origin
    and sex, as namesakes do.
    """
    n = round(NAMESAKE_PAIRS_PER_100K * chunk.persons / 100_000)
    pool = [h for h in _clean(households, fraud) if h.address_kind == "private"]
    rng.shuffle(pool)
    waiting: dict[tuple[str, str], Household] = {}
    made = 0
    for h in pool:
        if made >= n:
            break
        key = (h.origin, h.members[0].sex)
        other = waiting.pop(key, None)
        if other is None:
            waiting[key] = h
            continue
        a, b = other.members[0], h.members[0]
        if (a.given, a.family) == (b.given, b.family):
            continue
        b.given, b.family, b.dob = a.given, a.family, a.dob
        if b.email:
            b.email = places.email_for(b.given, b.family, h.language, b.index, rng)
        nid = f"N{chunk.index}-{made}"
        a.namesake = b.namesake = nid
        other.namesake = h.namesake = nid
        made += 1


def plant_service_contacts(
    plan: Plan, chunk: ChunkPlan, households: list[Household], fraud: set[int], rng: random.Random
) -> None:
    """Aid organisations' contacts on the owner rows of many unrelated households."""
    pool = _clean(households, fraud)
    rng.shuffle(pool)
    for org in service_contacts(plan.profile):
        for _ in range(round(org.weight * chunk.persons / 100_000)):
            if pool:
                pool.pop().service_contact = org.sid


def by_id(profile: Profile) -> dict[str, ServiceContact]:
    return {o.sid: o for o in service_contacts(profile)}
