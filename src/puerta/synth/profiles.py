"""Calibration profiles: the figures a synthetic population is built to match.

Profile ``oig-2023`` carries the figures of DHS OIG-24-48 (CBP One, 2023):
Table 1 (languages), Table 2 (top ten persons), Table 3 (seven addresses by
port), the 1,336,401 persons, 52,992 with ten or more registrations, 264,554
with an appointment, and the three phases of Appendix C. Everything else here
(citizenship mix after January, household sizes, shares of address kinds) is a
stated assumption, chosen to be plausible and to reproduce those figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from puerta.config import Settings

#: Origins: citizenship -> (preferred language, name source). Name sources are
#: Faker locales, or ``hand:<list>`` for the hand-made lists in names.py.
ORIGINS: dict[str, tuple[str, str]] = {
    "MX": ("es", "es_MX"),
    "VE": ("es", "es_ES"),
    "HN": ("es", "es_MX"),
    "CU": ("es", "es_ES"),
    "CO": ("es", "es_CO"),
    "GT": ("es", "es_MX"),
    "SV": ("es", "es_MX"),
    "NI": ("es", "es_MX"),
    "EC": ("es", "es_CO"),
    "PE": ("es", "es_CO"),
    "JM": ("en", "en_GB"),
    "GY": ("en", "en_GB"),
    "NG": ("en", "en_NG"),
    "HT": ("ht", "hand:haiti"),
    "RU": ("ru", "ru_RU"),
    "BY": ("ru", "ru_RU"),
    "KZ": ("ru", "ru_RU"),
    "AM": ("hy", "hy_AM"),
    "BR": ("pt", "pt_BR"),
    "TR": ("tr", "tr_TR"),
    "CN": ("zh", "zh_CN"),
    "GE": ("ka", "ka_GE"),
    "UZ": ("uz", "uz_UZ"),
    "MR": ("ar", "hand:arabic"),
    "SN": ("fr", "hand:west_africa"),
    "IN": ("pa", "en_IN"),
    "UA": ("uk", "uk_UA"),
}

#: Persons by citizenship among January registrants, in percent. Summed by
#: language this is Table 1: Spanish 57.7, English 0.7, Haitian Creole 23.3,
#: Russian 13.3, others 5.0.
JANUARY_MIX: dict[str, float] = {
    "MX": 15.0,
    "VE": 14.0,
    "HN": 8.0,
    "CU": 6.0,
    "CO": 4.0,
    "GT": 3.5,
    "SV": 2.5,
    "NI": 2.5,
    "EC": 1.7,
    "PE": 0.5,
    "JM": 0.3,
    "GY": 0.2,
    "NG": 0.2,
    "HT": 23.3,
    "RU": 12.0,
    "BY": 0.6,
    "KZ": 0.7,
    "AM": 0.8,
    "BR": 0.9,
    "TR": 0.7,
    "CN": 0.6,
    "GE": 0.4,
    "UZ": 0.3,
    "MR": 0.3,
    "SN": 0.2,
    "IN": 0.5,
    "UA": 0.3,
}

#: Assumed mix by August: Haitians (who gained the CHNV parole route) and
#: Russians fall, Venezuelans, Mexicans, Ecuadorians and Chinese rise.
AUGUST_MIX: dict[str, float] = {
    "MX": 20.0,
    "VE": 20.0,
    "HN": 8.0,
    "CU": 5.0,
    "CO": 6.0,
    "GT": 5.0,
    "SV": 2.5,
    "NI": 2.0,
    "EC": 4.0,
    "PE": 2.0,
    "JM": 0.3,
    "GY": 0.2,
    "NG": 0.2,
    "HT": 11.0,
    "RU": 6.5,
    "BY": 0.3,
    "KZ": 0.4,
    "AM": 0.9,
    "BR": 0.8,
    "TR": 0.8,
    "CN": 1.4,
    "GE": 0.5,
    "UZ": 0.5,
    "MR": 0.8,
    "SN": 0.4,
    "IN": 0.6,
    "UA": 0.2,
}

TABLE_1 = {"es": 57.7, "en": 0.7, "ht": 23.3, "ru": 13.3, "other": 5.0}

#: Table 2: citizenship and registrations per month (April..July).
TABLE_2: tuple[tuple[str, dict[int, int]], ...] = (
    ("AM", {6: 466}),
    ("AM", {6: 466}),
    ("AM", {6: 466}),
    ("RU", {5: 1, 6: 432}),
    ("AM", {6: 360}),
    ("AM", {6: 321}),
    ("RU", {6: 312}),
    ("RU", {6: 312}),
    ("AM", {5: 111, 6: 197}),
    ("AM", {6: 293}),
)

PORTS = ("SYS", "BRO", "HID", "CXL", "LRD", "EGP", "ELP", "NOG")

#: Table 3: persons per port (order of PORTS) for addresses 1..7.
TABLE_3: tuple[tuple[int, ...], ...] = (
    (261, 85, 33, 26, 14, 5, 11, 6),
    (247, 44, 38, 8, 5, 5, 6, 5),
    (188, 38, 21, 17, 9, 8, 1, 4),
    (50, 82, 62, 4, 11, 16, 23, 9),
    (56, 13, 37, 13, 6, 0, 1, 0),
    (67, 9, 25, 15, 4, 4, 1, 2),
    (53, 10, 11, 13, 5, 6, 0, 2),
)
#: Distinct surnames among the persons of each planted address. Address 2 is
#: the report's (358 persons, 266 surnames); the others assume the same ratio.
TABLE_3_SURNAME_RATIO = 266 / 358


@dataclass(frozen=True)
class Profile:
    """Everything the generator needs to know about the population it imitates."""

    name: str
    start: date
    end: date
    phase2_start: date
    phase3_start: date
    appointments_end: date
    capacity_rise: date
    persons: int
    persons_10_plus: int
    persons_with_appointment: int
    shared_address_share: float
    daily_capacity: tuple[int, int]
    january_mix: dict[str, float]
    august_mix: dict[str, float]
    #: Share of first registrations per month (month -> share of all persons).
    month_shares: dict[int, float]
    household_sizes: tuple[float, ...] = (0.46, 0.20, 0.15, 0.11, 0.05, 0.03)
    #: Household address kinds; with the planted addresses this gives ~79 %.
    address_kinds: dict[str, float] = field(
        default_factory=lambda: {"shelter": 0.15, "sponsor": 0.07, "shared": 0.39, "private": 0.39}
    )
    #: Share of persons with 2..9 registrations.
    multi_share: float = 0.22
    #: Shares of ten-plus households that register with bots (bursts).
    bot_share_10_plus: float = 0.30
    rings_per_100k_persons: float = 220.0
    coalitions_per_100k_persons: float = 300.0
    ports: tuple[str, ...] = PORTS
    #: The same split of seats as the service's default settings.
    port_shares: dict[str, float] = field(
        default_factory=lambda: dict(Settings.model_fields["port_shares"].default)
    )


OIG_2023 = Profile(
    name="oig-2023",
    start=date(2023, 1, 12),
    end=date(2023, 8, 18),
    phase2_start=date(2023, 2, 23),
    phase3_start=date(2023, 5, 10),
    appointments_end=date(2023, 9, 1),
    capacity_rise=date(2023, 6, 30),
    persons=1_336_401,
    persons_10_plus=52_992,
    persons_with_appointment=264_554,
    shared_address_share=208_996 / 264_554,
    daily_capacity=(1_000, 1_450),
    january_mix=JANUARY_MIX,
    august_mix=AUGUST_MIX,
    # January is Table 1's 113,239 of 1,336,401 persons; the rest is assumed,
    # with the rise after Title 42 ended (May 11).
    month_shares={1: 113_239 / 1_336_401, 2: 0.11, 3: 0.12, 4: 0.12, 5: 0.17, 6: 0.16, 7: 0.14},
)

PROFILES: dict[str, Profile] = {OIG_2023.name: OIG_2023}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}") from None


def top_ten_factor(scale: float) -> float:
    """Table 2's counts shrink with sqrt(scale) below 0.1, so that at small
    scales ten people do not hold most of the rows; at 0.1 and above they are
    the report's own counts."""
    return min(1.0, (scale / 0.1) ** 0.5)
