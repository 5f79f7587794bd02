"""From registrations to the rows of the data set, with the noise real data holds.

A person's first registration carries their canonical record; each later one
is typed again, with labelled probabilities of typos, another transliteration,
the native script, a dropped second surname, day and month swapped, another
e-mail or phone. Addresses are rewritten in a varied form on every registration.
On top, from the chunk's own stream, the writing errors of synth.errors (a birth
date one day or one digit off, another romanisation, another form of the same
phone or mailbox), and the aid organisations' contacts on their clients' rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date

import pyarrow as pa

from puerta.dataset import schema
from puerta.synth import errors, names, places
from puerta.synth.activity import Registration
from puerta.synth.population import Person

#: Probability of each noise kind on a duplicate row (docs/data-formats.md).
NOISE = {
    "translit": 0.45,
    "native_script": 0.05,
    "dropped_surname": 0.30,
    "typo": 0.12,
    "upper_case": 0.04,
    "dmy_swap": 0.04,
    "new_email": 0.30,
    "new_phone": 0.25,
}
_TRANSLIT_SOURCES = {"hand:arabic", "hand:haiti"}


def _names(p: Person, rng: random.Random, labels: list[str]) -> tuple[str, str]:
    pool = names.pool(p.household.source)
    given, family = p.given, p.family
    translit = pool.script in ("cyrillic", "armenian") or p.household.source in _TRANSLIT_SOURCES
    if (translit or given in names.LEXICON) and rng.random() < NOISE["translit"]:
        g2 = names.variant(given, pool, rng)
        f2 = " ".join(names.variant(w, pool, rng) for w in family.split())
        if (g2, f2) != (given, family):
            given, family = g2, f2
            labels.append("translit")
    if pool.script != "latin" and rng.random() < NOISE["native_script"]:
        ng, nf = names.native_spelling(p.given, pool), names.native_spelling(p.family, pool)
        if ng and nf:
            given, family = ng, nf
            labels.append("native_script")
    if pool.double_surname and " " in family and rng.random() < NOISE["dropped_surname"]:
        family = family.split()[0]
        labels.append("dropped_surname")
    if rng.random() < NOISE["typo"]:
        if rng.random() < 0.5:
            given2 = names.typo(given, rng)
            changed, given = given2 != given, given2
        else:
            family2 = names.typo(family, rng)
            changed, family = family2 != family, family2
        if changed:
            labels.append("typo")
    if rng.random() < NOISE["upper_case"] and given.upper() != given:
        given, family = given.upper(), family.upper()
        labels.append("upper_case")
    return given, family


def _dob(p: Person, rng: random.Random, labels: list[str]) -> date:
    d = p.dob
    if d.day <= 12 and d.day != d.month and rng.random() < NOISE["dmy_swap"]:
        labels.append("dmy_swap")
        return date(d.year, d.day, d.month)
    return d


def _contacts(p: Person, rng: random.Random, labels: list[str]) -> tuple[str | None, str | None]:
    phone, email = p.phone, p.email
    if email and rng.random() < NOISE["new_email"]:
        email = places.email_for(p.given, p.family, p.household.language, p.index + 20_000_000, rng)
        labels.append("new_email")
    if phone and rng.random() < NOISE["new_phone"]:
        phone = places.phone_for("MX" if rng.random() < 0.8 else "US", p.index * 3 + 2)
        labels.append("new_phone")
    return phone, email


_NAME_NOISE = {"translit", "native_script", "dropped_surname", "typo", "upper_case"}
#: Noise labels that are error classes of issue #13 (also listed in ``error_class``).
ERROR_NOISE = ("dob_day", "dob_digit", "email_variant", "phone_form", "romanisation")


def _errors(
    p: Person,
    rng: random.Random,
    labels: list[str],
    written: tuple[str, str, date, str | None, str | None],
    latest: date,
    own: tuple[bool, bool],
) -> tuple[str, str, date, str | None, str | None]:
    """The writing errors of synth.errors on a duplicate row, in fields the noise left clean.

    Drawn from the chunk's own ``errors`` stream, so the noise above is as before.
    ``own`` says whether the row's phone and e-mail are the person's own (not a
    ring's or an aid organisation's, written over them).
    """
    given, family, dob, phone, email = written
    if not _NAME_NOISE.intersection(labels) and rng.random() < errors.RATES["romanisation"]:
        spelled = errors.romanisation(p, rng)
        if spelled is not None:
            given, family = spelled
            labels.append("romanisation")
    if dob == p.dob:
        roll = rng.random()
        if roll < errors.RATES["dob_day"]:
            dob = errors.dob_day(dob, rng, latest)
            labels.append("dob_day")
        elif roll < errors.RATES["dob_day"] + errors.RATES["dob_digit"]:
            dob2 = errors.dob_digit(dob, rng, latest)
            if dob2 != dob:
                dob = dob2
                labels.append("dob_digit")
    if own[1] and email and email == p.email and rng.random() < errors.RATES["email_variant"]:
        email = errors.email_variant(email, rng)
        labels.append("email_variant")
    if own[0] and phone and phone == p.phone and rng.random() < errors.RATES["phone_form"]:
        phone = errors.phone_form(phone, rng)
        labels.append("phone_form")
    return given, family, dob, phone, email


class RowBuilder:
    """Accumulates the columns of the three tables for one chunk.

    ``err`` is the chunk's stream for the error classes (synth.errors) and
    ``orgs`` the aid organisations by id; without them the rows are written
    as before those classes existed.
    """

    def __init__(
        self,
        err: random.Random | None = None,
        orgs: dict[str, errors.ServiceContact] | None = None,
    ) -> None:
        self.reg: dict[str, list[object]] = {f.name: [] for f in schema.REGISTRATIONS}
        self.truth: dict[str, list[object]] = {f.name: [] for f in schema.TRUTH}
        self.appt: dict[str, list[object]] = {f.name: [] for f in schema.APPOINTMENTS}
        self.first: dict[int, str] = {}
        self.err = err
        self.orgs = orgs or {}

    def add(self, reg: Registration, rng: random.Random) -> None:
        created = reg.created_at.replace(microsecond=0)
        written = {}
        for i, p in enumerate(reg.travelers):
            hh = p.household
            labels: list[str] = []
            classes: list[str] = []
            first = self.first.get(p.index)
            org = self.orgs.get(hh.service_contact) if hh.service_contact else None
            org = org if reg.owner is hh else None
            own = (
                not (i == 0 and (reg.ring_phone or (org and org.phone))),
                not (i == 0 and (reg.ring_email or (org and org.email))),
            )
            if first is None:
                self.first[p.index] = reg.rid
                given, family, dob, phone, email = p.given, p.family, p.dob, p.phone, p.email
            else:
                given, family = _names(p, rng, labels)
                dob = _dob(p, rng, labels)
                phone, email = _contacts(p, rng, labels)
                if self.err is not None:
                    given, family, dob, phone, email = _errors(
                        p, self.err, labels, (given, family, dob, phone, email), created.date(), own
                    )
                    classes.extend(c for c in ERROR_NOISE if c in labels)
            if org is not None:
                classes.append("service_contact")
                if i == 0:
                    phone = org.phone or phone
                    email = org.email or email
            if i == 0 and reg.ring_phone:
                phone = reg.ring_phone
            if i == 0 and reg.ring_email:
                email = reg.ring_email
                if self.err is not None and self.err.random() < errors.RATES["ring_email_variant"]:
                    email = errors.email_variant(email, self.err)
                    classes.append("ring_email_variant")
            if p.namesake:
                classes.append("namesake")
            if hh.friend_group:
                classes.append("friend_group")
            if hh.index not in written:
                written[hh.index] = places.render(hh.address, rng)  # type: ignore[arg-type]
            line1, line2, city, state, zip_code = written[hh.index]
            appt = reg.appointment
            values = {
                "registration_id": reg.rid,
                "traveler_index": i,
                "is_owner": i == 0,
                "account_id": reg.account,
                "registration_status": "active",
                "created_at": created,
                "given_names": given,
                "family_names": family,
                "date_of_birth": dob,
                "sex": p.sex,
                "country_of_birth": p.birth_country,
                "citizenship": p.citizenship,
                "language": hh.language,
                "phone": phone,
                "email": email,
                "address_line1": line1,
                "address_line2": line2,
                "city": city,
                "state": state,
                "zip_code": zip_code,
                "device_id": reg.device,
                "ip": reg.ip,
                "form_seconds": reg.form_seconds,
                "requested_port": reg.requested_port,
                "request_dates": reg.request_dates,
                "appointment_port": appt[0] if appt else None,
                "appointment_date": appt[1] if appt else None,
                "appointment_time": appt[2] if appt else None,
            }
            for k, v in values.items():
                self.reg[k].append(v)
            truth = {
                "registration_id": reg.rid,
                "traveler_index": i,
                "person_id": f"P{p.index:09d}",
                "household_id": f"H{hh.index:09d}",
                "canonical_given_names": p.given,
                "canonical_family_names": p.family,
                "canonical_date_of_birth": p.dob,
                "duplicate_of": first,
                "noise": ",".join(labels),
                "error_class": ",".join(classes),
                "address_id": hh.address.address_id,  # type: ignore[union-attr]
                "address_kind": hh.address_kind,
                "address_cluster_id": hh.cluster_id,
                "burst_id": reg.burst_id,
                "ring_id": reg.ring_id,
                "ring_via": reg.ring_via,
                "coalition_id": reg.coalition_id,
                "top_ten": hh.top_ten,
                "location_id": reg.location_id,
                "location_pattern": reg.location_pattern,
                "friend_group_id": hh.friend_group,
                "service_contact_id": org.sid if org is not None else None,
                "namesake_id": p.namesake,
            }
            for k, v in truth.items():
                self.truth[k].append(v)
        if reg.appointment:
            port, day, slot, code, booked = reg.appointment
            row = {
                "appointment_code": code,
                "registration_id": reg.rid,
                "port_code": port,
                "day": day,
                "slot_start": slot,
                "seats": len(reg.travelers),
                "status": "booked",
                "created_at": booked.replace(microsecond=0),
            }
            for k, v in row.items():
                self.appt[k].append(v)

    def add_all(self, regs: Iterable[Registration], rng: random.Random) -> None:
        for reg in regs:
            self.add(reg, rng)

    def tables(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        return (
            pa.table(self.reg, schema=schema.REGISTRATIONS),
            pa.table(self.truth, schema=schema.TRUTH),
            pa.table(self.appt, schema=schema.APPOINTMENTS),
        )
