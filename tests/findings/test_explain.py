"""Finding explanations: catalog sentences with typed parameters, no English stored."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from puerta.clock import FrozenClock
from puerta.db import Database
from puerta.findings import explain as fx
from puerta.findings import service
from puerta.findings.value import ADDRESS_CLUSTER, Finding, stable_key
from puerta.i18n.message import REGISTRY

#: A value for every placeholder name the explanation messages use, in JSON form.
SAMPLES = {
    "persons": 27,
    "surnames": 19,
    "families": 17,
    "label": "Casa del Migrante",
    "address": "123 MAIN ST, HOUSTON TX 77002",
    "first_seen": "2023-05-01",
    "last_seen": "2023-08-30",
    "known_name": "Casa Refugio",
    "known_kind": "church",
    "port_count": 3,
    "ports": [{"port": "SYS", "count": 12}, {"port": "TIJ", "count": 9}],
    "port": "SYS",
    "count": 5,
    "plausible": 10,
    "registrations": 12,
    "names": ["Aleksandr Harutyunyan", "Alexander Arutyunyan"],
    "name_count": 2,
    "text": "Ana",
    "birth_dates": ["1990-03-07", "1990-07-03"],
    "birth_date_count": 2,
    "weakest_link": 0.953,
    "exact_keys": 3,
    "value": "bot-device",
    "start": "2023-06-01T09:00:00+00:00",
    "end": "2023-06-01T09:00:33+00:00",
    "mean_gap": 3.0,
    "fast": 12,
    "human_seconds": 30,
    "signals": ["ip_range", "email_pattern"],
    "links": [{"link": "phone", "count": 1}, {"link": "email", "count": 2}],
    "code": "explain.gone",
    "from_point": "32.51234, -117.03456",
    "to_point": "25.86901, -97.50271",
    "point": "23, -102",
    "distance_km": 2030,
    "speed_kmh": 676,
    "margin_km": 0.1,
    "max_speed_kmh": 130,
    "pairs": 2,
    "location_default": "android_emulator",
    "decimals": 2,
    "grid_m": 1110,
    "accuracy_m": 0.0,
    "hours": 5,
    "device": "bot-device",
    "minutes": 4.5,
    "jumps": 3,
    "travelers": 2,
    "min_distance": 0.31,
    "max_distance": 0.42,
    "threshold": 0.55,
}

EXPLANATIONS = sorted(
    (
        m
        for m in REGISTRY.values()
        if m.code.startswith(
            ("explain.", "term.burst_signal.", "term.known_address.", "term.location_default.")
        )
    ),
    key=lambda m: m.code,
)


def test_every_explanation_message_renders_with_every_placeholder_filled() -> None:
    assert len(EXPLANATIONS) > 30
    for message in EXPLANATIONS:
        params = {name: SAMPLES[name] for name in message.placeholders}
        english = fx.render_explanation([{"code": message.code, "params": params}])
        assert "{" not in english, message.code
        assert "}" not in english, message.code
        assert english.strip(), message.code


def test_a_location_default_is_named_in_words() -> None:
    stored = [
        fx.sentence(
            fx.LOCATION_DEFAULT,
            point="37.422, -122.084",
            location_default="android_emulator",
            registrations=3,
        ).to_json()
    ]
    assert fx.render_explanation(stored) == (
        "Reported 37.422, -122.084: the Android emulator's default location (Mountain View, "
        "California). 3 registrations in all reported it."
    )


def test_typed_parameters_are_formatted_for_the_reader() -> None:
    stored = [
        fx.sentence(
            fx.ADDRESS_GAVE,
            persons=1450,
            surnames=19,
            families=17,
            address="12 OAK ST, AUSTIN TX 78701",
            first_seen=date(2023, 5, 1),
            last_seen=date(2023, 8, 30),
        ).to_json(),
        fx.sentence(fx.ADDRESS_PORTS, port_count=2, ports=SAMPLES["ports"]).to_json(),
    ]
    assert fx.render_explanation(stored) == (
        "1,450 travelers with 19 different surnames (17 apparent families) gave "
        "12 OAK ST, AUSTIN TX 78701 between May 1, 2023 and Aug 30, 2023. "
        "Appointments at 2 ports (SYS 12 and TIJ 9)."
    )
    # In Spanish: the catalog's words, and Babel's number, date and list formats for Spanish.
    spanish = fx.render_explanation(stored, locale="es")
    assert "1.450" in spanish
    assert "1 may 2023" in spanish
    assert "SYS 12 y TIJ 9" in spanish


def test_instants_are_stored_in_utc_and_shown_in_the_readers_zone() -> None:
    start = datetime(2023, 6, 1, 9, 0, 0, tzinfo=UTC)
    s = fx.sentence(
        fx.BURST_WITHIN_A_DAY["device"],
        registrations=6,
        value="dev1",
        start=start,
        end=start.replace(second=15),
        mean_gap=3.0,
    )
    assert s.params["start"] == "2023-06-01T09:00:00+00:00"
    # Babel (CLDR) puts a narrow no-break space before AM.
    assert fx.render_explanation([s]).replace("\u202f", " ") == (
        "6 registrations from one device (dev1) between 9:00:00 AM UTC and 9:00:15 AM UTC "
        "on Jun 1, 2023, 3 s apart on average."
    )
    local = fx.render_explanation([s], tz="America/New_York").replace("\u202f", " ")
    assert "5:00:00 AM EDT" in local


def test_sentence_refuses_missing_or_extra_parameters() -> None:
    with pytest.raises(ValueError, match="placeholders"):
        fx.sentence(fx.ADDRESS_PORTS, port_count=2)
    with pytest.raises(ValueError, match="placeholders"):
        fx.sentence(fx.ADDRESS_NO_PORT, ports=[])


def test_unknown_or_incomplete_stored_sentences_still_render() -> None:
    assert fx.render_explanation([{"code": "explain.gone", "params": {}}]) == "[explain.gone]"
    incomplete = {"code": fx.ADDRESS_PORTS.code, "params": {"port_count": 2}}
    assert fx.render_explanation([incomplete]) == f"[{fx.ADDRESS_PORTS.code}]"
    # A birth date that is not a date is shown as written.
    odd = fx.sentence(
        fx.DUPLICATE_BIRTH_DATES,
        birth_date_count=2,
        birth_dates=["1990-03-07", "199003"],
        weakest_link=0.95,
    )
    assert "Mar 7, 1990 and 199003" in fx.render_explanation([odd])


def test_value_round_trips_through_its_export_record() -> None:
    f = Finding(
        kind=ADDRESS_CLUSTER,
        key=stable_key(ADDRESS_CLUSTER, "k"),
        score=1.0,
        explanation=(
            fx.sentence(fx.KNOWN_SHELTER, **{k: SAMPLES[k] for k in fx.KNOWN_SHELTER.placeholders}),
            fx.sentence(fx.KNOWN_BY_DESIGN),
        ),
    )
    record = f.to_dict()
    assert record["explanation_codes"] == [
        "explain.known_address.shelter",
        "explain.known_address.by_design",
    ]
    assert record["explanation"].startswith("Listed shelter (Casa Refugio): 27 travelers gave")
    assert Finding.from_dict(json.loads(json.dumps(record))) == f


def test_a_finding_row_stores_codes_and_parameters_not_english(
    db: Database, clock: FrozenClock
) -> None:
    gave = fx.sentence(fx.ADDRESS_GAVE, **{k: SAMPLES[k] for k in fx.ADDRESS_GAVE.placeholders})
    f = Finding(
        kind=ADDRESS_CLUSTER,
        key=stable_key(ADDRESS_CLUSTER, "row"),
        score=2.0,
        explanation=(gave, fx.sentence(fx.PLACE_HOUSES["house"], plausible=10)),
        registration_ids=("RA",),
        travelers=(("RA", 0),),
    )
    english = fx.render_explanation(f.explanation)
    with db.session() as s:
        service.upsert(s, [f], clock=clock)
    with db.session() as s:
        row = s.execute(text("SELECT * FROM findings")).mappings().one()
    stored = row["explanation"]
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored == [
        {"code": "explain.address_cluster.gave", "params": gave.params},
        {"code": "explain.address_cluster.house", "params": {"plausible": 10}},
    ]
    everything = json.dumps({k: str(v) for k, v in row.items()})
    for words in ("travelers with", "apparent families", "plausibly houses", english[:30]):
        assert words not in everything
    # A re-run with the same codes and parameters changes nothing.
    with db.session() as s:
        again = service.upsert(s, [f], clock=clock)
    assert (again.unchanged, again.updated) == (1, 0)
    changed = Finding(**{**_fields(f), "explanation": (gave,)})
    with db.session() as s:
        assert service.upsert(s, [changed], clock=clock).updated == 1


def _fields(f: Finding) -> dict:  # type: ignore[type-arg]
    return {name: getattr(f, name) for name in Finding.__dataclass_fields__}
