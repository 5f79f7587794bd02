"""Finding explanations: whole catalog sentences with typed parameters, rendered at the edge.

An analysis explains a finding in a few sentences an officer reads in ten
seconds. Each sentence is a catalog message (``M(code, english)``) with its
parameters: never a fragment glued to another, so a translator can reorder
the words. Variants ("one birth date" / "3 birth dates", a listed shelter /
a cluster) are separate messages; lists (ports with their counts, name
variants, signals) are list parameters that Babel joins with the reader's
conjunction.

The finding value and the ``findings.explanation`` column hold the same
JSON-native form, ``[{"code": ..., "params": {...}}, ...]`` (the API, the
briefings and the JSON Lines export show it as ``explanation_codes`` and
``explanation_params`` beside the rendered text), so a finding compares,
stores and round-trips as it is:

* numbers and strings as they are; lists as lists;
* a day as an ISO date (``"2023-05-01"``), an instant as ISO 8601 in UTC
  (``"2023-06-01T09:00:33+00:00"``); ``sentence()`` converts ``date`` and
  ``datetime`` values, so analyses pass them as they have them;
* a parameter's *name* fixes its type for rendering (``PARAM_TYPES``):
  ``first_seen`` is always a day, ``start`` always an instant, ``ports`` always
  a list of ``{"port", "count"}``. ``parts()`` turns the stored form back into
  typed values (dates, nested catalog messages) for ``puerta.i18n.translate``.

The messages live here, in ``puerta.findings``, and not beside each analysis:
the edge renders stored findings without importing the analyses.

Example:
    >>> from datetime import date
    >>> s = sentence(ADDRESS_NO_PORT)
    >>> s.to_json()
    {'code': 'explain.address_cluster.no_port', 'params': {}}
    >>> s = sentence(DUPLICATE_BIRTH_DATES, birth_date_count=2, weakest_link=0.95,
    ...     birth_dates=[date(1990, 3, 7), date(1990, 7, 3)])
    >>> s.params["birth_dates"]
    ['1990-03-07', '1990-07-03']
    >>> render_explanation([s.to_json()])
    '2 birth dates (Mar 7, 1990 and Jul 3, 1990); weakest link 0.95.'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from puerta.i18n import M, Message, render
from puerta.i18n.message import REGISTRY

EXPORT_TZ = "UTC"
"""The zone of the English text in the JSON Lines export (times say "UTC")."""

# --- address clusters and listed places (trends/addresses.py) ----------------------------

KNOWN_SHELTER = M(
    "explain.known_address.shelter",
    "Listed shelter ({known_name}): {persons} travelers gave {address} "
    "between {first_seen} and {last_seen}.",
)
KNOWN_SPONSOR = M(
    "explain.known_address.sponsor",
    "Listed sponsor ({known_name}): {persons} travelers gave {address} "
    "between {first_seen} and {last_seen}.",
)
KNOWN_OTHER = M(
    "explain.known_address.other",
    "Listed {known_kind} ({known_name}): {persons} travelers gave {address} "
    "between {first_seen} and {last_seen}.",
)
KNOWN_BY_DESIGN = M("explain.known_address.by_design", "Shared by design, not suspicious.")
UNNAMED = M("term.known_address.unnamed", "unnamed")
ADDRESS_GAVE = M(
    "explain.address_cluster.gave",
    "{persons} travelers with {surnames} different surnames ({families} apparent families) "
    "gave {address} between {first_seen} and {last_seen}.",
)
ADDRESS_PORTS = M("explain.address_cluster.ports", "Appointments at {port_count} ports ({ports}).")
ADDRESS_ONE_PORT = M("explain.address_cluster.one_port", "Appointments at one port ({ports}).")
ADDRESS_NO_PORT = M("explain.address_cluster.no_port", "No appointments yet.")
PORT_COUNT = M("explain.port_count", "{port} {count}")
ADDRESS_ARRIVALS = M(
    "explain.address_cluster.arrivals",
    "Unrelated families came to this address in {count} different weeks. "
    "At addresses like this one, more than {plausible} is rare.",
)
PLACE_HOUSES: dict[str, Message] = {
    "house": M(
        "explain.address_cluster.house", "A house plausibly houses about {plausible} people."
    ),
    "apartment": M(
        "explain.address_cluster.apartment",
        "An apartment plausibly houses about {plausible} people.",
    ),
    "office": M(
        "explain.address_cluster.office", "An office plausibly houses about {plausible} people."
    ),
    "po_box": M(
        "explain.address_cluster.po_box", "A P.O. box plausibly houses about {plausible} people."
    ),
}

# --- same face across registrations (trends/faces.py) -----------------------------------

SAME_FACE = M(
    "explain.same_face.photos",
    "The registered photos of {travelers} travelers on {registrations} registrations show "
    "one face to the face model (face distance {min_distance} to {max_distance}; same "
    "person at {threshold} or less).",
)
SAME_FACE_NOT_DECISION = M(
    "explain.same_face.not_decision",
    "A face match can be wrong, more often for some groups of people: compare the photos "
    "by eye before acting on it.",
)
DUPLICATE_SAME_FACE = M(
    "explain.duplicate_person.same_face",
    "Their registered photos also show one face ({pairs} pairs, closest face distance "
    "{min_distance}; same person at {threshold} or less).",
)

# --- duplicate persons (trends/identity.py) ----------------------------------------------

DUPLICATE_ONE_WAY = M(
    "explain.duplicate_person.one_way",
    "One person behind {registrations} registrations, always written {names}.",
)
DUPLICATE_WAYS = M(
    "explain.duplicate_person.ways",
    "One person behind {registrations} registrations, written {name_count} ways ({names}).",
)
DUPLICATE_MANY_WAYS = M(
    "explain.duplicate_person.many_ways",
    "One person behind {registrations} registrations, written {name_count} ways, "
    "among them {names}.",
)
DUPLICATE_ONE_BIRTH_DATE = M(
    "explain.duplicate_person.one_birth_date",
    "All with one birth date; weakest link {weakest_link}.",
)
DUPLICATE_BIRTH_DATES = M(
    "explain.duplicate_person.birth_dates",
    "{birth_date_count} birth dates ({birth_dates}); weakest link {weakest_link}.",
)
DUPLICATE_MANY_BIRTH_DATES = M(
    "explain.duplicate_person.many_birth_dates",
    "{birth_date_count} birth dates, among them {birth_dates}; weakest link {weakest_link}.",
)
DUPLICATE_EXACT_KEYS = M(
    "explain.duplicate_person.exact_keys",
    "The report's exact key (first + last name + date of birth) sees {exact_keys} "
    "different people.",
)
DUPLICATE_EXACT_KEY_ONE = M(
    "explain.duplicate_person.exact_key_one",
    "The report's exact key (first + last name + date of birth) finds this person too.",
)

# --- possible duplicate persons (trends/identity.py; for review, never merged) -----------

POSSIBLE_DUPLICATE_NAME_ONLY = M(
    "explain.possible_duplicate_person.name_only",
    "{registrations} registrations have the same or a similar name ({names}) and birth "
    "date, but no phone, email or address in common. It may be one person, or two "
    "people with the same name.",
)
POSSIBLE_DUPLICATE_WEAK = M(
    "explain.possible_duplicate_person.weak",
    "{registrations} registrations look alike ({names}), but not enough to be sure they "
    "are one person (strongest link {strongest_link}).",
)
POSSIBLE_DUPLICATE_ADVICE = M(
    "explain.possible_duplicate_person.advice",
    "This is advice for an interview, not a reason to refuse anyone. The draw treats "
    "them as different people.",
)
QUOTED = M("explain.quoted", "'{text}'")

# --- registration bursts (trends/bursts.py) ----------------------------------------------

BURST_WITHIN_A_DAY: dict[str, Message] = {
    "device": M(
        "explain.registration_burst.device",
        "{registrations} registrations from one device ({value}) between {start:long_time} "
        "and {end:long_time} on {start:date}, {mean_gap} s apart on average.",
    ),
    "ip_range": M(
        "explain.registration_burst.ip_range",
        "{registrations} registrations from one IP range ({value}) between {start:long_time} "
        "and {end:long_time} on {start:date}, {mean_gap} s apart on average.",
    ),
    "email_pattern": M(
        "explain.registration_burst.email_pattern",
        "{registrations} registrations from one e-mail pattern ({value}) between {start:long_time} "
        "and {end:long_time} on {start:date}, {mean_gap} s apart on average.",
    ),
    "fast_forms": M(
        "explain.registration_burst.account",
        "{registrations} registrations from one account ({value}) between {start:long_time} "
        "and {end:long_time} on {start:date}, {mean_gap} s apart on average.",
    ),
}
"""A burst within one day (UTC): the times, then the day."""
BURST_OVER_DAYS: dict[str, Message] = {
    "device": M(
        "explain.registration_burst.device_days",
        "{registrations} registrations from one device ({value}) between {start:long} "
        "and {end:long}, {mean_gap} s apart on average.",
    ),
    "ip_range": M(
        "explain.registration_burst.ip_range_days",
        "{registrations} registrations from one IP range ({value}) between {start:long} "
        "and {end:long}, {mean_gap} s apart on average.",
    ),
    "email_pattern": M(
        "explain.registration_burst.email_pattern_days",
        "{registrations} registrations from one e-mail pattern ({value}) between {start:long} "
        "and {end:long}, {mean_gap} s apart on average.",
    ),
    "fast_forms": M(
        "explain.registration_burst.account_days",
        "{registrations} registrations from one account ({value}) between {start:long} "
        "and {end:long}, {mean_gap} s apart on average.",
    ),
}
BURST_FAST_FORMS = M(
    "explain.registration_burst.fast_forms",
    "{fast} of {registrations} forms were filled in under {human_seconds} s, "
    "faster than a person can.",
)
BURST_NO_FAST_FORMS = M(
    "explain.registration_burst.no_fast_forms",
    "None of the {registrations} forms was filled in under {human_seconds} s.",
)
BURST_ALSO_LINKED = M("explain.registration_burst.also_linked", "Also linked by {signals}.")
BURST_SIGNALS: dict[str, Message] = {
    "device": M("term.burst_signal.device", "one device"),
    "ip_range": M("term.burst_signal.ip_range", "one IP range"),
    "email_pattern": M("term.burst_signal.email_pattern", "one e-mail pattern"),
    "fast_forms": M("term.burst_signal.fast_forms", "one account"),
}

# --- shared-contact rings (trends/rings.py) ----------------------------------------------

RING_TIED = M(
    "explain.shared_contact_ring.tied",
    "{registrations} registrations of {persons} travelers from {families} apparently "
    "unrelated families are tied by {links}.",
)
RING_TOP: dict[str, Message] = {
    "phone": M(
        "explain.shared_contact_ring.top_phone",
        "One phone ({value}) is on {count} registrations.",
    ),
    "email": M(
        "explain.shared_contact_ring.top_email",
        "One e-mail ({value}) is on {count} registrations.",
    ),
    "device": M(
        "explain.shared_contact_ring.top_device",
        "One device ({value}) is on {count} registrations.",
    ),
    "photo": M(
        "explain.shared_contact_ring.top_photo",
        "One photo ({value}) is on {count} registrations.",
    ),
}
RING_GROUP_INCLUSION = M(
    "explain.shared_contact_ring.group_inclusion",
    "The registrations re-list the same people (group-inclusion pattern).",
)
# --- shared service contacts (trends/service_contacts.py) --------------------------------

SERVICE_SHARED: dict[str, Message] = {
    "phone": M(
        "explain.shared_service_contact.phone",
        "One phone ({value}) is on {registrations} registrations of {families} different "
        "families, going to {port_count} ports.",
    ),
    "email": M(
        "explain.shared_service_contact.email",
        "One e-mail ({value}) is on {registrations} registrations of {families} different "
        "families, going to {port_count} ports.",
    ),
    "device": M(
        "explain.shared_service_contact.device",
        "One device ({value}) is on {registrations} registrations of {families} different "
        "families, going to {port_count} ports.",
    ),
}
SERVICE_LISTED = M(
    "explain.shared_service_contact.listed",
    "It is on the list of contacts shared by design ({label}). It is not a sign of fraud.",
)
SERVICE_CLASSIFY = M(
    "explain.shared_service_contact.classify",
    "So many families often use the phone or e-mail of a shelter, a church or legal aid. "
    "This is not a sign of fraud by itself. An analyst should find out whose contact it is "
    "and, if it is shared by design, add it to the list.",
)

#: A list item of ``{links}``: (one, several) per kind of shared value.
RING_LINKS: dict[str, tuple[Message, Message]] = {
    "phone": (
        M("explain.ring_link.phone", "one shared phone"),
        M("explain.ring_link.phones", "{count} shared phones"),
    ),
    "email": (
        M("explain.ring_link.email", "one shared e-mail"),
        M("explain.ring_link.emails", "{count} shared e-mails"),
    ),
    "device": (
        M("explain.ring_link.device", "one shared device"),
        M("explain.ring_link.devices", "{count} shared devices"),
    ),
    "photo": (
        M("explain.ring_link.photo", "one shared photo"),
        M("explain.ring_link.photos", "{count} shared photos"),
    ),
}

# --- location signals (trends/location.py) ------------------------------------------------

LOCATION_TRAVEL = M(
    "explain.impossible_travel.moved",
    "Asked for the appointment from {from_point} at {start:long} and confirmed it from "
    "{to_point}, {distance_km} km away, at {end:long}: {speed_kmh} km/h even after allowing "
    "{margin_km} km for the phone's stated accuracy, faster than travel by road "
    "({max_speed_kmh} km/h).",
)
LOCATION_TRAVEL_MORE = M(
    "explain.impossible_travel.more",
    "{pairs} confirmation attempts in all were this far from the request before them.",
)
LOCATION_SHARED = M(
    "explain.shared_coordinates.same_point",
    "{registrations} registrations of {persons} different travelers reported exactly the same "
    "point ({point}, to the metre) between {start:long} and {end:long}.",
)
LOCATION_SHARED_WHY = M(
    "explain.shared_coordinates.why",
    "Phones a few steps apart still differ by some metres; one point to the metre for many "
    "people is more often a place set by hand or by an app, or one phone used for all of "
    "them. Phones sharing one building's Wi-Fi can also do it.",
)
LOCATION_DEFAULT = M(
    "explain.implausible_location.default",
    "Reported {point}: {location_default}. {registrations} registrations in all reported it.",
)
LOCATION_COARSE = M(
    "explain.implausible_location.coarse",
    "Reported {point}, given to {decimals} decimal places (about {grid_m} m): a phone's "
    "positioning gives more, so the place was probably typed or set by hand.",
)
LOCATION_EXACT_ACCURACY = M(
    "explain.implausible_location.accuracy",
    "The phone said its position was accurate to {accuracy_m} m; real positioning is never "
    "that sure, but a location-faking app or an emulator often says so.",
)
LOCATION_FROZEN = M(
    "explain.implausible_location.frozen",
    "Reported exactly {point}, to the last of {decimals} decimal places, {count} times over "
    "{hours} hours; a real position always varies a little between readings.",
)
LOCATION_DEVICE_JUMP = M(
    "explain.device_jump.jump",
    "One device ({device}) reported {from_point} and then {to_point}, {distance_km} km "
    "apart, {minutes} minutes later ({speed_kmh} km/h), at {end:long}.",
)
LOCATION_DEVICE_JUMPS = M(
    "explain.device_jump.jumps",
    "It made {jumps} such jumps between {start:long} and {end:long}, for {registrations} "
    "registrations.",
)
LOCATION_ASK = M(
    "explain.location.ask",
    "A location can be wrong for innocent reasons (a phone's settings, a borrowed phone, a "
    "flight). Ask where the traveler was when they asked and confirmed; this is never a "
    "reason to refuse anyone.",
)
#: What ``{location_default}`` names: the listed default a point is at
#: (trends/location_defaults.py).
LOCATION_DEFAULTS: dict[str, Message] = {
    "null_island": M(
        "term.location_default.null_island",
        "latitude 0, longitude 0, what phones and apps send when they have no position",
    ),
    "android_emulator": M(
        "term.location_default.android_emulator",
        "the Android emulator's default location (Mountain View, California)",
    ),
    "ios_simulator": M(
        "term.location_default.ios_simulator",
        "the iPhone simulator's default location (Cupertino, California)",
    ),
    "ip_country_mexico": M(
        "term.location_default.ip_country_mexico",
        "the middle of Mexico that IP-address location gives when it knows only the country",
    ),
    "geocoded_mexico": M(
        "term.location_default.geocoded_mexico",
        "the centre of Mexico that maps give for the word 'Mexico'",
    ),
    "ip_country_us": M(
        "term.location_default.ip_country_us",
        "the middle of the United States that IP-address location gives when it knows only "
        "the country",
    ),
    "geographic_center_us": M(
        "term.location_default.geographic_center_us",
        "the geographic centre of the United States, which maps give for 'United States'",
    ),
}

UNKNOWN = M("explain.unknown_sentence", "[{code}]")
"""What a stored sentence whose code this version no longer knows renders as."""


# --- the value, its JSON form and its typed form -----------------------------------------


def _plain(value: Any) -> Any:
    """A parameter in its JSON-native form (see the module docstring)."""
    if isinstance(value, datetime):  # a naive instant is UTC, as every stored one
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    raise TypeError(f"explanation parameter of type {type(value).__name__} is not JSON-able")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of an explanation: a catalog message and its JSON-native parameters."""

    message: Message
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.message.code

    def to_json(self) -> dict[str, Any]:
        """``{"code": ..., "params": {...}}``: the stored and exported form."""
        return {"code": self.message.code, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Sentence:
        """Inverse of ``to_json``; an unknown code is an error."""
        message = REGISTRY.get(data["code"])
        if message is None or not _is_explanation(message.code):
            raise ValueError(f"unknown explanation code {data['code']!r}")
        return cls(message, dict(data.get("params") or {}))


def sentence(message: Message, **params: Any) -> Sentence:
    """A sentence with exactly the parameters its text names, in JSON-native form.

    Raises:
        ValueError: a placeholder is missing or a parameter is not in the text
            (a programming error: the catalog test catches it for every kind).
    """
    if set(params) != set(message.placeholders):
        raise ValueError(
            f"{message.code}: parameters {sorted(params)} do not match "
            f"placeholders {sorted(message.placeholders)}"
        )
    return Sentence(message, {k: _plain(v) for k, v in params.items()})


def to_json(sentences: Iterable[Sentence]) -> list[dict[str, Any]]:
    return [s.to_json() for s in sentences]


def _is_explanation(code: str) -> bool:
    return code.startswith("explain.")


@dataclass(frozen=True)
class _Part:
    """A nested message inside a list parameter; ``render`` formats it in place."""

    message: Message
    params: dict[str, Any]


def _day(value: Any) -> Any:
    return date.fromisoformat(value)


def _instant(value: Any) -> Any:
    return datetime.fromisoformat(value)


def _days(value: Any) -> Any:
    return [_lenient(_day, v) for v in value]


def _quoted(value: Any) -> Any:
    return [_Part(QUOTED, {"text": v}) for v in value]


def _port_counts(value: Any) -> Any:
    return [_Part(PORT_COUNT, {"port": p["port"], "count": p["count"]}) for p in value]


def _signals(value: Any) -> Any:
    return [BURST_SIGNALS.get(v, v) for v in value]


def _links(value: Any) -> Any:
    out = []
    for item in value:
        one, several = RING_LINKS[item["link"]]
        n = item["count"]
        out.append(_Part(one, {}) if n == 1 else _Part(several, {"count": n}))
    return out


def _known_name(value: Any) -> Any:
    return value or UNNAMED


def _location_default(value: Any) -> Any:
    return LOCATION_DEFAULTS.get(value, value)


PARAM_TYPES: dict[str, Callable[[Any], Any]] = {
    "first_seen": _day,
    "last_seen": _day,
    "start": _instant,
    "end": _instant,
    "birth_dates": _days,
    "names": _quoted,
    "ports": _port_counts,
    "signals": _signals,
    "links": _links,
    "known_name": _known_name,
    "location_default": _location_default,
}
"""Parameter name -> how its JSON form becomes the value ``render`` formats."""


def _lenient(decode: Callable[[Any], Any], value: Any) -> Any:
    try:
        return decode(value)
    except (TypeError, ValueError, KeyError, AttributeError):
        return value  # an odd value (a partial birth date) is shown as written


def parts(stored: Iterable[Mapping[str, Any] | Sentence]) -> list[tuple[Message, dict[str, Any]]]:
    """Stored sentences as (message, typed parameters), ready for ``render`` or ``say``."""
    out: list[tuple[Message, dict[str, Any]]] = []
    for item in stored:
        data = item.to_json() if isinstance(item, Sentence) else item
        code = str(data.get("code"))
        params = dict(data.get("params") or {})
        message = REGISTRY.get(code)
        if message is None or not _is_explanation(code) or not message.placeholders <= set(params):
            out.append((UNKNOWN, {"code": code}))
            continue
        typed = {
            k: _lenient(PARAM_TYPES[k], v) if k in PARAM_TYPES else v for k, v in params.items()
        }
        out.append((message, typed))
    return out


def render_explanation(
    stored: Iterable[Mapping[str, Any] | Sentence],
    *,
    locale: str = "en",
    tz: str = EXPORT_TZ,
) -> str:
    """The whole explanation in ``locale``: its sentences, rendered, one after another."""
    return " ".join(render(m, p, locale=locale, tz=tz) for m, p in parts(stored))


def codes(stored: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(s["code"]) for s in stored]


def params_of(stored: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [dict(s.get("params") or {}) for s in stored]
