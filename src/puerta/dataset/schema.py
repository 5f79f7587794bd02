"""Column names and Arrow types of schema version 1 (docs/data-formats.md).

One definition, used by the generator, the importer and the exporter, so the
three cannot drift apart.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 1

REGISTRATION_LEVEL = (
    "registration_id",
    "account_id",
    "registration_status",
    "created_at",
    "device_id",
    "ip",
    "form_seconds",
    "requested_port",
    "request_dates",
    "appointment_port",
    "appointment_date",
    "appointment_time",
)

#: Traveler fields, exactly the API's TravelerIn fields.
TRAVELER_FIELDS = (
    "given_names",
    "family_names",
    "date_of_birth",
    "sex",
    "country_of_birth",
    "citizenship",
    "language",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
)

_UTC_SECONDS = pa.timestamp("s", tz="UTC")

REGISTRATIONS = pa.schema(
    [
        pa.field("registration_id", pa.string(), nullable=False),
        pa.field("traveler_index", pa.int16(), nullable=False),
        pa.field("is_owner", pa.bool_(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("registration_status", pa.string(), nullable=False),
        pa.field("created_at", _UTC_SECONDS, nullable=False),
        pa.field("given_names", pa.string(), nullable=False),
        pa.field("family_names", pa.string(), nullable=False),
        pa.field("date_of_birth", pa.date32(), nullable=False),
        pa.field("sex", pa.string(), nullable=False),
        pa.field("country_of_birth", pa.string(), nullable=False),
        pa.field("citizenship", pa.string(), nullable=False),
        pa.field("language", pa.string(), nullable=False),
        pa.field("phone", pa.string()),
        pa.field("email", pa.string()),
        pa.field("address_line1", pa.string(), nullable=False),
        pa.field("address_line2", pa.string()),
        pa.field("city", pa.string(), nullable=False),
        pa.field("state", pa.string(), nullable=False),
        pa.field("zip_code", pa.string()),
        pa.field("device_id", pa.string()),
        pa.field("ip", pa.string()),
        pa.field("form_seconds", pa.float64()),
        pa.field("requested_port", pa.string()),
        pa.field("request_dates", pa.list_(pa.date32()), nullable=False),
        pa.field("appointment_port", pa.string()),
        pa.field("appointment_date", pa.date32()),
        pa.field("appointment_time", pa.time32("s")),
    ]
)

APPOINTMENTS = pa.schema(
    [
        pa.field("appointment_code", pa.string(), nullable=False),
        pa.field("registration_id", pa.string(), nullable=False),
        pa.field("port_code", pa.string(), nullable=False),
        pa.field("day", pa.date32(), nullable=False),
        pa.field("slot_start", pa.time32("s"), nullable=False),
        pa.field("seats", pa.int16(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("created_at", _UTC_SECONDS, nullable=False),
    ]
)

TRUTH = pa.schema(
    [
        pa.field("registration_id", pa.string(), nullable=False),
        pa.field("traveler_index", pa.int16(), nullable=False),
        pa.field("person_id", pa.string(), nullable=False),
        pa.field("household_id", pa.string(), nullable=False),
        pa.field("canonical_given_names", pa.string(), nullable=False),
        pa.field("canonical_family_names", pa.string(), nullable=False),
        pa.field("canonical_date_of_birth", pa.date32(), nullable=False),
        pa.field("duplicate_of", pa.string()),
        pa.field("noise", pa.string(), nullable=False),
        pa.field("error_class", pa.string(), nullable=False),
        pa.field("address_id", pa.string(), nullable=False),
        pa.field("address_kind", pa.string(), nullable=False),
        pa.field("address_cluster_id", pa.int8()),
        pa.field("burst_id", pa.string()),
        pa.field("ring_id", pa.string()),
        pa.field("ring_via", pa.string()),
        pa.field("coalition_id", pa.string()),
        pa.field("top_ten", pa.int8()),
        pa.field("location_id", pa.string()),
        pa.field("location_pattern", pa.string()),
        pa.field("friend_group_id", pa.string()),
        pa.field("service_contact_id", pa.string()),
        pa.field("namesake_id", pa.string()),
    ]
)

#: One row per location a device reported: each request and each confirmation
#: attempt (docs/data-formats.md, "locations"). Optional: a data set without it
#: has no location signals.
LOCATIONS = pa.schema(
    [
        pa.field("registration_id", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reported_at", _UTC_SECONDS, nullable=False),
        pa.field("latitude", pa.float64(), nullable=False),
        pa.field("longitude", pa.float64(), nullable=False),
        pa.field("accuracy_m", pa.float64()),
        pa.field("device_id", pa.string()),
    ]
)
LOCATION_STAGES = ("request", "confirmation")

SHELTER_COLUMNS = (
    "shelter_id",
    "kind",
    "name",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
)

TABLES = {
    "registrations": REGISTRATIONS,
    "appointments": APPOINTMENTS,
    "truth": TRUTH,
    "locations": LOCATIONS,
}
