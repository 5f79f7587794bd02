"""The error catalogue: one class per situation, each with a stable code.

Services raise these with typed parameters (an aware datetime, a date, a
count), never a sentence: the edge renders ``message`` in the reader's
language (``puerta.i18n.translate``). The ``code`` is part of the API (it is in
every problem+json body and in the bulk importer's rejects file): it is never
reworded or reused for another situation. ``docs/api.md`` lists every code; a
test keeps the list, the catalog and this module in step.

Example:
    >>> from datetime import date
    >>> exc = DrawAlreadyRun(pool_date=date(2026, 3, 4))
    >>> exc.code, exc.status, exc.params
    ('draw.already_run', 409, {'pool_date': datetime.date(2026, 3, 4)})
    >>> str(exc)
    'The draw for Mar 4, 2026 has already run; it is final.'
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self, dataclass_transform

from puerta.i18n.message import M, Message

# --- problem categories: the problem+json ``type`` and ``title`` -------------------------


@dataclasses.dataclass(frozen=True)
class Category:
    """What kind of problem: its HTTP status, ``type`` slug and title."""

    status: int
    slug: str
    title: Message


BAD_REQUEST = Category(400, "bad-request", M("problem.bad-request", "Bad request"))
INVALID_INPUT = Category(422, "invalid-input", M("problem.invalid-input", "Invalid input"))
UNAUTHENTICATED = Category(401, "unauthenticated", M("problem.unauthenticated", "Sign-in required"))
FORBIDDEN = Category(403, "forbidden", M("problem.forbidden", "Not allowed"))
NOT_FOUND = Category(404, "not-found", M("problem.not-found", "Not found"))
METHOD_NOT_ALLOWED = Category(
    405, "method-not-allowed", M("problem.method-not-allowed", "Method not allowed")
)
CONFLICT = Category(409, "conflict", M("problem.conflict", "Conflict"))
INVALID_TRANSITION = Category(
    409, "invalid-transition", M("problem.invalid-transition", "Not possible in the current state")
)
OUTSIDE_WINDOW = Category(
    409, "outside-window", M("problem.outside-window", "Outside the request window")
)
NO_SEATS = Category(409, "no-seats", M("problem.no-seats", "No seats left"))
OUTSIDE_AREA = Category(403, "outside-area", M("problem.outside-area", "Outside the eligible area"))
PAYLOAD_TOO_LARGE = Category(413, "payload-too-large", M("problem.payload-too-large", "Too large"))
UNSUPPORTED_MEDIA = Category(
    415, "unsupported-media", M("problem.unsupported-media", "Unsupported file type")
)
LIVENESS = Category(422, "liveness-failed", M("problem.liveness-failed", "Live photo not accepted"))
PROOF_OF_WORK = Category(
    400, "proof-of-work", M("problem.proof-of-work", "The browser's check did not pass")
)
TOO_MANY = Category(429, "too-many-requests", M("problem.too-many-requests", "Too many attempts"))
INTERNAL = Category(500, "internal", M("problem.internal", "Something went wrong"))
SERVICE_BUSY = Category(503, "busy", M("problem.busy", "Very busy right now"))

#: Categories by HTTP status, for errors that arise outside the domain (routing, the server).
BY_STATUS = {
    c.status: c
    for c in (
        BAD_REQUEST,
        UNAUTHENTICATED,
        FORBIDDEN,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        CONFLICT,
        PAYLOAD_TOO_LARGE,
        UNSUPPORTED_MEDIA,
        INVALID_INPUT,
        TOO_MANY,
        INTERNAL,
    )
}


# --- the machinery: typed parameters as keyword-only dataclass fields ----------------------


@dataclass_transform(kw_only_default=True, eq_default=False)
class Coded:
    """A code, an English source message, and typed parameters named by its placeholders.

    Each subclass declares its parameters as annotated attributes; they become
    keyword-only constructor arguments (type checkers see them too).
    """

    message: ClassVar[Message]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(kw_only=True, eq=False, repr=False)(cls)

    @property
    def code(self) -> str:
        return self.message.code

    @property
    def params(self) -> dict[str, Any]:
        """The parameters, as typed values (render them with ``puerta.i18n.translate``)."""
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "field"
        }  # type: ignore[arg-type]

    def __str__(self) -> str:  # English, for logs and tracebacks
        from puerta.i18n.translate import render

        return render(self.message, self.params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.params!r})"


class PuertaError(Coded, Exception):
    """A domain error: the request cannot be done as asked. Never a programming error.

    ``keeps_changes``: the refusal follows work that must last (a failed live
    photo is counted; an expired offer's seats go back). The unit of work
    commits that work before the error reaches the person; every other error
    rolls back everything, so nothing is half-written.
    """

    category: ClassVar[Category] = BAD_REQUEST
    keeps_changes: ClassVar[bool] = False
    message = M("error.bad_request", "This request cannot be done.")
    field: str | None = None

    @property
    def status(self) -> int:
        return self.category.status


class InvalidValue(Coded, ValueError):
    """A field value that is not acceptable; raised by the shared field rules.

    A ``ValueError``, so Pydantic reports it against the field it validates and
    the bulk importer (which calls the same rules) records it as a reject reason.
    """

    message = M("value.invalid", "This value is not valid.")


# --- accounts, sign-in and access ----------------------------------------------------------


class PasswordTooShort(PuertaError):
    category = INVALID_INPUT
    message = M("account.password_too_short", "Use at least {min_length} characters.")
    min_length: int


class PasswordTooLong(PuertaError):
    category = INVALID_INPUT
    message = M("account.password_too_long", "Use at most {max_length} characters.")
    max_length: int


class PasswordTooCommon(PuertaError):
    category = INVALID_INPUT
    message = M("account.password_too_common", "This password is too common. Choose another.")


class EmailTaken(PuertaError):
    category = CONFLICT
    message = M(
        "account.email_taken", "An account with this email already exists. Sign in instead."
    )


class EmailAlreadyVerified(PuertaError):
    category = CONFLICT
    message = M("account.already_verified", "This email is already verified.")


class CodeRecentlySent(PuertaError):
    category = TOO_MANY
    message = M(
        "account.code_recently_sent",
        "A code was sent less than {seconds} seconds ago. Check your mail.",
    )
    seconds: int


class CodeWrong(PuertaError):
    category = INVALID_INPUT
    keeps_changes = True  # the wrong attempt is counted: five, and the code is spent
    message = M("account.code_wrong", "This code is wrong or has expired.")


class CodeAttemptsExhausted(PuertaError):
    category = TOO_MANY
    message = M("account.code_attempts_exhausted", "Too many wrong codes. Ask for a new code.")


class WrongCredentials(PuertaError):
    """Keeps its changes: the failure is counted (``accounts.throttle``), and nothing
    else is written before it is raised."""

    category = UNAUTHENTICATED
    keeps_changes = True
    message = M("auth.wrong_credentials", "Email or password is wrong.")


class SignInPaused(PuertaError):
    """Too many wrong passwords for an account or from one address: a pause that grows,
    and never lasts more than ``accounts.throttle.MAX_PAUSE``."""

    category = TOO_MANY
    message = M(
        "auth.sign_in_paused",
        "Too many wrong passwords. Wait {minutes} minutes and try again, or get a new "
        "password by email.",
    )
    minutes: int

    @property
    def retry_after_seconds(self) -> int:
        return self.minutes * 60


class _Waits:
    """A cap's refusal (``limits.caps``): ``minutes`` for the person to read, and the
    exact seconds for ``Retry-After`` (:meth:`waiting`)."""

    minutes: int

    def waiting(self, seconds: int) -> Self:
        self._seconds = seconds
        return self

    @property
    def retry_after_seconds(self) -> int:
        return getattr(self, "_seconds", self.minutes * 60)


class SignUpsCapped(_Waits, PuertaError):
    category = TOO_MANY
    message = M(
        "limit.sign_ups",
        "Many accounts were made from this network or this device in a short time. "
        "Please try again in {minutes} minutes.",
    )
    minutes: int


class RegistrationsCapped(_Waits, PuertaError):
    category = TOO_MANY
    message = M(
        "limit.registrations",
        "Many registrations were sent from this network or this device in a short time. "
        "Nothing you entered is lost: send it again in {minutes} minutes.",
    )
    minutes: int


class AppointmentChecksCapped(_Waits, PuertaError):
    category = TOO_MANY
    message = M(
        "limit.appointment_checks",
        "Many appointments were checked from this network in a short time. "
        "Please try again in {minutes} minutes.",
    )
    minutes: int


# --- the proof of work on sign-up and on sending a registration (puerta.pow) --------------


# Every one is 400 ``proof-of-work`` on the field ``altcha`` (the form's hidden field, the
# API's ``X-Altcha`` header), so a page shows it beside the check and keeps what was typed.


class ProofMissing(PuertaError):
    category = PROOF_OF_WORK
    field: str | None = "altcha"
    message = M(
        "challenge.missing",
        "Your browser has not finished its check. This step needs JavaScript: turn it on, "
        "wait until the check says it is done, then send again.",
    )


class ProofMalformed(PuertaError):
    category = PROOF_OF_WORK
    field: str | None = "altcha"
    message = M("challenge.malformed", "Your browser's check could not be read. Please send again.")


class ProofWrong(PuertaError):
    category = PROOF_OF_WORK
    field: str | None = "altcha"
    message = M("challenge.wrong", "Your browser's check did not pass. Please send again.")


class ProofExpired(PuertaError):
    category = PROOF_OF_WORK
    field: str | None = "altcha"
    message = M(
        "challenge.expired",
        "Your browser's check is too old. It starts again by itself: wait until it is done, "
        "then send again.",
    )


class ProofReplayed(PuertaError):
    category = PROOF_OF_WORK
    field: str | None = "altcha"
    message = M(
        "challenge.replayed",
        "This check was already used. Wait until your browser has done a new one, then send again.",
    )


class AccountDeactivated(PuertaError):
    category = FORBIDDEN
    message = M("auth.deactivated", "This account is deactivated.")


class SignInRequired(PuertaError):
    category = UNAUTHENTICATED
    message = M("auth.required", "Sign in first.")


class SessionEnded(PuertaError):
    category = UNAUTHENTICATED
    message = M("auth.session_ended", "Your session has ended. Sign in again.")


class CsrfTokenWrong(PuertaError):
    category = FORBIDDEN
    message = M("auth.csrf", "Missing or wrong CSRF token. Reload the page and try again.")


class ApplicantsOnly(PuertaError):
    category = FORBIDDEN
    message = M("access.applicants_only", "This is for applicants' own registrations.")


class StaffOnly(PuertaError):
    category = FORBIDDEN
    message = M("access.staff_only", "This is for port staff and analysts.")


class AnalystsOnly(PuertaError):
    category = FORBIDDEN
    message = M("access.analysts_only", "This is for analysts.")


class AdminsOnly(PuertaError):
    category = FORBIDDEN
    message = M("access.admins_only", "This is for administrators.")


class PartnersOnly(PuertaError):
    category = FORBIDDEN
    message = M("access.partners_only", "This is for partner organisations' accounts.")


class OutsidePortScope(PuertaError):
    category = FORBIDDEN
    message = M("access.port_scope", "Your account cannot see this port's appointments.")


class NotAStaffRole(PuertaError):
    category = INVALID_INPUT
    message = M("staff.role_not_staff", "Staff roles are officer, analyst and admin.")


class OfficerNeedsPort(PuertaError):
    category = INVALID_INPUT
    message = M("staff.officer_needs_port", "An officer belongs to one port: give --port.")


class PortOnlyForOfficers(PuertaError):
    category = INVALID_INPUT
    message = M("staff.port_only_for_officers", "Only officers are bound to a port.")


# --- registrations and photos --------------------------------------------------------------


class EmailNotVerified(PuertaError):
    category = FORBIDDEN
    message = M("registration.email_unverified", "Verify your email before registering travelers.")


class TooManyTravelers(PuertaError):
    category = INVALID_INPUT
    message = M(
        "registration.too_many_travelers", "A registration holds at most {maximum} travelers."
    )
    maximum: int


class DraftEmpty(PuertaError):
    category = INVALID_INPUT
    message = M("registration.draft_empty", "Add at least one traveler before you send.")


class RegistrationNotFound(PuertaError):
    category = NOT_FOUND
    message = M("registration.not_found", "There is no such registration in your account.")


class TravelerNotFound(PuertaError):
    category = NOT_FOUND
    message = M("registration.no_traveler", "This registration has no traveler {position}.")
    position: int


class RegistrationNotEditable(PuertaError):
    category = INVALID_TRANSITION
    message = M("registration.not_editable", "This registration is {state}; it cannot change.")
    state: StrEnum


class TravelersLockedByAppointment(PuertaError):
    category = INVALID_TRANSITION
    message = M(
        "registration.locked_by_appointment",
        "Travelers cannot change after an appointment is confirmed. Cancel the appointment first.",
    )


class PhotoTooLarge(PuertaError):
    category = PAYLOAD_TOO_LARGE
    message = M("photo.too_large", "The photo is {size_mb} MB; the limit is {limit_mb} MB.")
    size_mb: float
    limit_mb: float


class PhotoEmpty(PuertaError):
    category = INVALID_INPUT
    message = M("photo.empty", "The photo is empty.")


class PhotoNotJpegOrPng(PuertaError):
    category = UNSUPPORTED_MEDIA
    message = M("photo.unsupported_type", "The photo must be a JPEG or PNG image.")


class PhotoTooManyPixels(PuertaError):
    category = PAYLOAD_TOO_LARGE
    message = M("photo.too_many_pixels", "The photo has too many pixels.")


class PhotoUnreadable(PuertaError):
    category = INVALID_INPUT
    message = M("photo.unreadable", "The photo could not be read as an image.")


class PhotoTooSmall(PuertaError):
    category = INVALID_INPUT
    message = M(
        "photo.too_small",
        "The photo is {width}x{height} pixels; each side needs at least {min_side}.",
    )
    width: int
    height: int
    min_side: int


class UploadTooLarge(PuertaError):
    category = PAYLOAD_TOO_LARGE
    message = M("upload.too_large", "The file is larger than {limit_mb} MB.")
    limit_mb: float


# --- appointment requests ------------------------------------------------------------------


class RegistrationCannotRequest(PuertaError):
    category = INVALID_TRANSITION
    message = M(
        "request.registration_inactive",
        "This registration is {state}; it cannot request appointments.",
    )
    state: StrEnum


class WindowClosed(PuertaError):
    category = OUTSIDE_WINDOW
    message = M(
        "request.window_closed",
        "Requests are closed while the day's draw runs. Ask again from {opens_at:time} "
        "({timezone}).",
    )
    opens_at: datetime
    timezone: str


class PhotosMissing(PuertaError):
    category = INVALID_INPUT
    message = M(
        "request.photos_missing", "Add a photo for every traveler first (missing: {positions})."
    )
    positions: list[int]


class RequestOutsideArea(PuertaError):
    category = OUTSIDE_AREA
    message = M(
        "request.outside_area",
        "Your location is outside the area where appointments can be requested: "
        "northern and central Mexico, within reach of the border.",
    )


class AskedElsewhere(PuertaError):
    category = CONFLICT
    message = M(
        "request.asked_elsewhere",
        "You already asked today for {port_code}. You can ask for one port each day: choose "
        "another port in the next window.",
    )
    port_code: str


class AlreadySelected(PuertaError):
    category = CONFLICT
    message = M(
        "request.already_selected",
        "You were selected: confirm your appointment instead of asking again.",
    )


class AlreadyBooked(PuertaError):
    category = CONFLICT
    message = M("request.already_booked", "This registration already has an appointment.")


class PortNotFound(PuertaError):
    category = NOT_FOUND
    message = M("port.not_found", "There is no port with code '{port_code}'.")
    port_code: str


# --- confirmation, seats and appointments --------------------------------------------------


class NoOfferWaiting(PuertaError):
    category = NOT_FOUND
    message = M(
        "selection.none_waiting", "This registration has no selection waiting for confirmation."
    )


class OfferExpired(PuertaError):
    category = INVALID_TRANSITION
    keeps_changes = True  # the expiry and the seats' release are kept
    message = M(
        "selection.expired",
        "The deadline to confirm has passed; the seats went back to the pool. "
        "You can ask for an appointment again.",
    )


class ExtensionUsed(PuertaError):
    category = INVALID_TRANSITION
    message = M("selection.extension_used", "The one extension has already been used.")


class ConfirmOutsideArea(PuertaError):
    category = OUTSIDE_AREA
    message = M(
        "confirm.outside_area",
        "Your location is outside the area where appointments can be confirmed.",
    )


class LivenessAttemptsExhausted(PuertaError):
    category = TOO_MANY
    message = M(
        "liveness.attempts_exhausted",
        "{attempts} live photos were not accepted. Contact the port for help.",
    )
    attempts: int


class LivenessFailed(PuertaError):
    """The live photo was not accepted; ``reason`` is the provider's coded verdict."""

    category = LIVENESS
    keeps_changes = True  # the failed attempt is counted and its image remembered
    message = M("liveness.failed", "The live photo was not accepted. {reason}")
    reason: Message | Coded


#: The provider's verdicts, stored on each check by code.
LIVENESS_REASONS: dict[str, Message] = {
    m.code: m
    for m in (
        M("liveness.accepted", "live photo accepted"),
        M("liveness.replayed", "This photo was submitted before. Take a new live photo."),
        M(
            "liveness.not_live",
            "The check could not see a live person in this photo. Take a new photo of your "
            "face, in good light, looking at the camera.",
        ),
    )
}


class NoScanWaiting(PuertaError):
    category = NOT_FOUND
    message = M("liveness.no_scan", "This registration has no live photo waiting to be checked.")


class LivenessUnavailable(PuertaError):
    """A queued live photo the check could not finish (never a vendor's verdict)."""

    category = SERVICE_BUSY
    message = M(
        "liveness.unavailable",
        "The check of your live photo could not be finished. Your seats are still held: "
        "send a live photo again.",
    )


class NoSeatsFree(PuertaError):
    category = NO_SEATS
    message = M("seats.none_free", "No {seats} free seats at {port_code} on {day}.")
    seats: int
    port_code: str
    day: date


class SeatsJustTaken(PuertaError):
    category = NO_SEATS
    message = M(
        "seats.just_taken",
        "The last seats at {port_code} on {day} were just taken. "
        "Your selection is kept; please contact the port or ask again tomorrow.",
    )
    port_code: str
    day: date


class SeatsNotReleased(PuertaError):
    """Giving seats back matched no ledger row: the counts would go wrong, so nothing changes."""

    category = CONFLICT
    message = M(
        "seats.release_failed", "Could not give back {seats} seats at {port_code} on {day}."
    )
    seats: int
    port_code: str
    day: date


class NoBookedAppointment(PuertaError):
    category = NOT_FOUND
    message = M("appointment.none", "This registration has no confirmed appointment.")


class AppointmentCodeNotFound(PuertaError):
    category = NOT_FOUND
    message = M("appointment.code_not_found", "No appointment has this confirmation code.")


class InvalidTransition(PuertaError):
    """A state change that the lifecycle does not allow from the current state."""

    category = INVALID_TRANSITION
    message = M(
        "lifecycle.invalid_transition", "This {thing} is {current}; it cannot become {requested}."
    )
    thing: Message
    current: StrEnum
    requested: StrEnum


# --- the draw and its publication ----------------------------------------------------------


class DrawAlreadyRun(PuertaError):
    category = CONFLICT
    message = M("draw.already_run", "The draw for {pool_date} has already run; it is final.")
    pool_date: date


class NotADemoStore(PuertaError):
    category = CONFLICT
    message = M(
        "demo.not_a_demo_store",
        "This is not a demo store: a draw runs only when its window closes. "
        "`puerta demo draw` works only on a store made by `puerta demo load`.",
    )


class PoolStillOpen(PuertaError):
    category = CONFLICT
    message = M(
        "draw.pool_open",
        "The pool for {pool_date} is open until {closes_at}; the draw runs after it closes.",
    )
    pool_date: date
    closes_at: datetime


class DrawNotFound(PuertaError):
    category = NOT_FOUND
    message = M("draw.not_found", "No draw has run for {pool_date}.")
    pool_date: date


class DrawNotRunYet(PuertaError):
    category = CONFLICT
    message = M("draw.not_run_yet", "The draw for {pool_date} has not run yet.")
    pool_date: date


class SeedCommitmentMismatch(PuertaError):
    category = CONFLICT
    message = M(
        "draw.seed_mismatch",
        "The seed commitment for {pool_date} is published; another seed cannot be used.",
    )
    pool_date: date


class ArtefactFrozen(PuertaError):
    """A published artefact was about to change."""

    category = CONFLICT
    message = M(
        "draw.artefact_frozen", "The {artefact} of a published draw cannot change once published."
    )
    artefact: str


class PoolAlreadyPublished(PuertaError):
    category = CONFLICT
    message = M("draw.pool_published", "The pool for {pool_date} is published; it is final.")
    pool_date: date


class NothingPublished(PuertaError):
    category = NOT_FOUND
    message = M("draw.nothing_published", "Nothing has been published for {pool_date} yet.")
    pool_date: date


class DrawUnpublished(PuertaError):
    category = NOT_FOUND
    message = M(
        "draw.unpublished_algorithm",
        "The draw for {pool_date} used {algorithm}, which publishes nothing.",
    )
    pool_date: date
    algorithm: str


class NoEntryInPool(PuertaError):
    category = NOT_FOUND
    message = M("draw.no_entry", "This registration has not asked for an appointment in that pool.")


# --- findings ------------------------------------------------------------------------------


class FindingNotFound(PuertaError):
    category = NOT_FOUND
    message = M("finding.not_found", "There is no finding {finding_id}.")
    finding_id: int


class ReviewNeedsNote(PuertaError):
    category = INVALID_INPUT
    message = M("finding.note_required", "Say why in a note: a decision needs its reason.")


# --- partner organisations (the assisted channel) -----------------------------------------


class PartnerOrganisationNotFound(PuertaError):
    category = NOT_FOUND
    message = M(
        "partner.organisation_not_found", "There is no partner organisation {organisation_id}."
    )
    organisation_id: int


class PartnerOrganisationTaken(PuertaError):
    category = CONFLICT
    message = M(
        "partner.organisation_taken", "A partner organisation with this name already exists."
    )


class PartnerOrganisationInactive(PuertaError):
    category = FORBIDDEN
    message = M(
        "partner.organisation_inactive",
        "Your organisation's partner access is suspended. Ask the Puerta administrators.",
    )


class ContactEmailRequired(PuertaError):
    category = INVALID_INPUT
    message = M(
        "partner.contact_email_required",
        "Give the person's own email, or choose your organisation's inbox as the contact.",
    )


class ContactEmailNotWanted(PuertaError):
    category = INVALID_INPUT
    message = M(
        "partner.contact_email_not_wanted",
        "Your organisation's inbox is the contact: leave the person's email out.",
    )


class PersonHasAccount(PuertaError):
    category = CONFLICT
    message = M(
        "partner.person_has_account",
        "This email already has a Puerta account. Its owner can register from it, or you can "
        "register the person with your organisation's inbox as the contact.",
    )


class HandedOver(PuertaError):
    category = CONFLICT
    message = M(
        "partner.handed_over",
        "The person has taken this registration over: they manage it themselves now.",
    )


class HandoverCodeWrong(PuertaError):
    category = INVALID_INPUT
    message = M("partner.handover_code_wrong", "This handover code is not valid.")


class ReportRangeTooLong(PuertaError):
    category = INVALID_INPUT
    message = M("partner.report_range", "Ask for at most {days} days, the end after the start.")
    days: int


# --- the service itself --------------------------------------------------------------------


class StoreUnavailable(PuertaError):
    """The store did not answer in time (no connection free, or PostgreSQL restarting).

    Raised at the edge from the driver's errors, never by a service; 503 with
    ``Retry-After``, like a shed request, because waiting a little is the cure.
    """

    category = SERVICE_BUSY
    message = M(
        "store.unavailable",
        "Puerta cannot reach its records for a moment. Please try again in {seconds} "
        "seconds. Asking again is safe: a request already made is never made twice.",
    )
    seconds: int


# --- field values (the shared field rules; Pydantic reports them per field) ----------------


class Required(InvalidValue):
    message = M("value.required", "This is required.")


class ForbiddenCharacters(InvalidValue):
    message = M("value.forbidden_characters", "This contains characters that are not allowed.")


class TextTooLong(InvalidValue):
    message = M("value.too_long", "Use at most {max_length} characters.")
    max_length: int


class NotACountry(InvalidValue):
    message = M("value.country", "'{value}' is not an ISO 3166 country code.")
    value: str


class NotALanguage(InvalidValue):
    message = M("value.language", "'{value}' is not a BCP 47 language tag.")
    value: str


class NotAPhoneNumber(InvalidValue):
    message = M("value.phone", "'{value}' is not a valid phone number.")
    value: str


class NotAnEmail(InvalidValue):
    message = M("value.email", "'{value}' is not an email address.")
    value: str


class NotAState(InvalidValue):
    message = M("value.us_state", "'{value}' is not a U.S. state or territory code.")
    value: str


class NotAZipCode(InvalidValue):
    message = M("value.zip_code", "'{value}' is not a ZIP code (12345 or 12345-6789).")
    value: str


class BornInFuture(InvalidValue):
    message = M("value.birth_in_future", "The date of birth is in the future.")


class DateOutOfRange(InvalidValue):
    message = M("value.date_out_of_range", "Choose a date from {first} to {last}.")
    first: str
    last: str


class BornTooLongAgo(InvalidValue):
    message = M("value.birth_too_old", "The date of birth is more than {years} years ago.")
    years: int


# --- #14 staff pages ---


class ReauthRequired(PuertaError):
    category = UNAUTHENTICATED
    message = M(
        "staff.reauth_required",
        "For this, confirm who you are again: it has been a while since you signed in.",
    )


# --- #14 second factor ---


class SecondFactorRequired(PuertaError):
    """A staff session whose password was right but whose second factor is not given yet:
    it opens nothing (``POST /api/v1/sessions/current/second-factor``, or the page)."""

    category = UNAUTHENTICATED
    message = M(
        "staff.second_factor_required",
        "Give the code from your authenticator app to go on.",
    )


class SecondFactorNotEnrolled(PuertaError):
    category = CONFLICT
    message = M(
        "staff.second_factor_not_enrolled",
        "This account has no second factor yet. Sign in on the staff pages to set it up.",
    )


class SecondFactorEnrolled(PuertaError):
    category = CONFLICT
    message = M(
        "staff.second_factor_enrolled",
        "This account already has a second factor. Sign in with a code from it.",
    )


class SecondFactorWrong(PuertaError):
    """Keeps its changes: the wrong code is counted toward the lock, and audited."""

    category = INVALID_INPUT
    keeps_changes = True
    message = M(
        "staff.second_factor_wrong",
        "This code is wrong. Type the 6 digits your authenticator app shows now, or a "
        "recovery code.",
    )


class SecondFactorReplayed(PuertaError):
    """A code of a time step already used (seen over a shoulder, or sent twice)."""

    category = INVALID_INPUT
    keeps_changes = True  # audited
    message = M(
        "staff.second_factor_replayed",
        "This code was already used. Wait for your app to show the next code, then type it.",
    )


class SecondFactorLocked(PuertaError):
    """Too many wrong codes in a row: the second factor refuses every code for a while, and
    the account's owner is mailed when the lock is set (that mail and the lock are kept)."""

    category = TOO_MANY
    keeps_changes = True
    message = M(
        "staff.second_factor_locked",
        "Too many wrong codes. Wait {minutes} minutes and try again. We have told the "
        "account's owner by email.",
    )
    minutes: int

    @property
    def retry_after_seconds(self) -> int:
        return self.minutes * 60


class StaffSessionIdle(PuertaError):
    category = UNAUTHENTICATED
    message = M(
        "staff.session_idle",
        "You were signed out after {minutes} minutes without activity. Sign in again.",
    )
    minutes: int


class StaffNotFound(PuertaError):
    category = NOT_FOUND
    message = M("staff.not_found", "There is no staff account with the email {email}.")
    email: str


# --- #14 officers' console ---


class StaffPhotoNotFound(PuertaError):
    category = NOT_FOUND
    message = M("staff.photo_not_found", "There is no such photo, or it is not for your port.")


def catalogue() -> list[type[Coded]]:
    """Every concrete error class, for the docs and the catalogue tests."""
    out: list[type[Coded]] = []
    stack: list[type[Coded]] = [PuertaError, InvalidValue]
    while stack:
        cls = stack.pop()
        out.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted(set(out), key=lambda c: c.message.code)


# --- #14 vetting ---------------------------------------------------------------------------
# The watch list file (``watch_list_path``, ``puerta vetting run --list``): an operator's
# mistake in it is named by row and column, and nothing of the file is used.


class WatchListNotFound(PuertaError):
    category = INVALID_INPUT
    message = M("staff.watchlist.not_found", "There is no watch list file at {path}.")
    path: str


class WatchListFormat(PuertaError):
    category = INVALID_INPUT
    message = M(
        "staff.watchlist.format", "A watch list is a .csv or .parquet file; {path} is neither."
    )
    path: str


class WatchListUnreadable(PuertaError):
    category = INVALID_INPUT
    message = M("staff.watchlist.unreadable", "The watch list {path} cannot be read: {reason}")
    path: str
    reason: str


class WatchListMissingColumn(PuertaError):
    category = INVALID_INPUT
    message = M("staff.watchlist.missing_column", "The watch list has no column {column}.")
    column: str


class WatchListUnknownColumn(PuertaError):
    category = INVALID_INPUT
    message = M(
        "staff.watchlist.unknown_column",
        "The watch list has a column {column} that is not in the format (a misspelt name?).",
    )
    column: str


class WatchListEmptyValue(PuertaError):
    category = INVALID_INPUT
    message = M(
        "staff.watchlist.empty_value",
        "Row {row} of the watch list has no {column}; it is required.",
    )
    row: int
    column: str


class WatchListBadValue(PuertaError):
    category = INVALID_INPUT
    message = M(
        "staff.watchlist.bad_value",
        "Row {row} of the watch list, column {column}: '{value}' is not {expected}.",
    )
    row: int
    column: str
    value: str
    expected: Message


class WatchListTooLong(PuertaError):
    category = INVALID_INPUT
    message = M(
        "staff.watchlist.too_long",
        "Row {row} of the watch list, column {column}: use at most {max_length} characters.",
    )
    row: int
    column: str
    max_length: int


class WatchListDuplicateRecord(PuertaError):
    category = INVALID_INPUT
    message = M(
        "staff.watchlist.duplicate_record",
        "Row {row} of the watch list repeats record_id '{record_id}' of row {first_row}.",
    )
    row: int
    record_id: str
    first_row: int


#: What a watch-list value should have been (``WatchListBadValue.expected``).
EXPECTED_DATE = M("staff.watchlist.expected.date", "a date written YYYY-MM-DD")
EXPECTED_SEX = M("staff.watchlist.expected.sex", "F, M or X")
EXPECTED_COUNTRY = M("staff.watchlist.expected.country", "an ISO 3166 country code")
EXPECTED_TEXT = M("staff.watchlist.expected.text", "text without control characters")
# --- #14 dispositions: check-in at the limit line and each traveler's disposition ---------


class CorrectionNeedsReason(PuertaError):
    """A correction of a recorded state (``lifecycle.CORRECTIONS``) without its reason."""

    category = INVALID_INPUT
    field: str | None = "reason"
    message = M("staff.correction.reason_required", "Say why: a correction needs its reason.")


class AppointmentCancelled(PuertaError):
    category = CONFLICT
    message = M(
        "staff.arrival.cancelled", "This appointment was cancelled. It cannot be checked in."
    )


class ArrivalNotCheckedIn(PuertaError):
    category = INVALID_TRANSITION
    message = M(
        "staff.arrival.not_checked_in",
        "Check the group in first. Dispositions are recorded after the group arrives.",
    )


class DispositionAlreadyRecorded(PuertaError):
    category = CONFLICT
    message = M(
        "staff.disposition.already_recorded",
        "This traveler's disposition is already recorded. To change it, correct it and say why.",
    )


class DispositionNeedsNote(PuertaError):
    category = INVALID_INPUT
    field: str | None = "note"
    message = M("staff.disposition.note_required", "Write a note saying what happened.")


class NoticeAddressRequired(PuertaError):
    category = INVALID_INPUT
    field: str | None = "notice_address"
    message = M(
        "staff.disposition.notice_address_required",
        "Write the address on the notice to appear: street, city and state.",
    )


# --- #14 dashboards -------------------------------------------------------------------------


class DashboardDateInvalid(PuertaError):
    message = M("staff.dashboards.date_invalid", "Enter a date as YYYY-MM-DD.")


class DashboardRangeReversed(PuertaError):
    message = M("staff.dashboards.range_reversed", "The start, {start}, is after the end, {end}.")
    start: date
    end: date


class DashboardRangeTooLong(PuertaError):
    message = M("staff.dashboards.range_too_long", "Choose a range of at most {days} days.")
    days: int


class DashboardPortUnknown(PuertaError):
    message = M("staff.dashboards.port_unknown", "'{port}' is not a port.")
    port: str


class DashboardChartUnknown(PuertaError):
    category = NOT_FOUND
    message = M("staff.dashboards.chart_unknown", "There is no chart called '{chart}'.")
    chart: str


# --- #14 findings workbench ---------------------------------------------------------------


class ReviewActionUnknown(PuertaError):
    """A review form naming no action the workbench knows (confirm, dismiss, reopen)."""

    category = INVALID_INPUT
    message = M(
        "staff.findings.unknown_action",
        "Choose what to do with the finding: confirm, dismiss or reopen.",
    )
