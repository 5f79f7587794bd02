"""The assisted channel's endpoints: partners' own (``/api/v1/partner``), the admins'
(``/api/v1/admin/partner-organisations``), the analysts' report and the person's handover.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, UploadFile, status

from puerta.confirmation.schemas import AppointmentOut
from puerta.errors import (
    AlreadyBooked,
    AlreadySelected,
    AskedElsewhere,
    ContactEmailNotWanted,
    ContactEmailRequired,
    EmailNotVerified,
    EmailTaken,
    HandedOver,
    HandoverCodeWrong,
    InvalidTransition,
    NoBookedAppointment,
    PartnerOrganisationInactive,
    PartnerOrganisationNotFound,
    PartnerOrganisationTaken,
    PasswordTooCommon,
    PasswordTooLong,
    PasswordTooShort,
    PersonHasAccount,
    PhotoEmpty,
    PhotoNotJpegOrPng,
    PhotosMissing,
    PhotoTooLarge,
    PhotoTooManyPixels,
    PhotoTooSmall,
    PhotoUnreadable,
    PortNotFound,
    RegistrationCannotRequest,
    RegistrationNotEditable,
    RegistrationNotFound,
    ReportRangeTooLong,
    RequestOutsideArea,
    SeatsNotReleased,
    TooManyTravelers,
    TravelerNotFound,
    TravelersLockedByAppointment,
    UploadTooLarge,
    WindowClosed,
)
from puerta.journey.views import set_photo_released
from puerta.partners import audit, report, service
from puerta.partners.schemas import (
    AssistedOut,
    AssistedRegistrationIn,
    AuditOut,
    Contact,
    HandoverIn,
    OrganisationIn,
    OrganisationOut,
    PartnerUserIn,
    PartnerUserOut,
    ReportOut,
    ReportRowOut,
)
from puerta.partners.service import Made
from puerta.registration.deps import PhotoStoreDep
from puerta.registration.schemas import RegistrationOut, TravelerIn
from puerta.registration.views import registration_out
from puerta.requests.schemas import RequestIn, RequestOut
from puerta.web.deps import (
    Admin,
    Analyst,
    Applicant,
    ClockDep,
    DbSession,
    MailDep,
    Partner,
    ReadSession,
    RequestWork,
    SettingsDep,
    client_ip,
)
from puerta.web.openapi import raises
from puerta.web.params import MAX_ROW_ID, RowId, ServiceDay
from puerta.web.uploads import read_upload

router = APIRouter(prefix="/api/v1/partner", tags=["partners"])
admin_router = APIRouter(prefix="/api/v1/admin", tags=["partners"])
handover_router = APIRouter(prefix="/api/v1", tags=["partners"])


def assisted_out(made: Made) -> AssistedOut:
    handed_over = made.handed_over
    return AssistedOut(
        registration_id=made.registration.id,
        contact=Contact(made.assisted.contact),
        contact_email=made.assisted.contact_email,
        created_at=made.assisted.created_at,
        handed_over=handed_over,
        registration=None if handed_over else registration_out(made.registration),
        handover_code=made.handover_code,
    )


# --- partners: what their organisation submitted -------------------------------------------


@router.post("/registrations", status_code=status.HTTP_201_CREATED)
@raises(
    PartnerOrganisationInactive,
    ContactEmailRequired,
    ContactEmailNotWanted,
    PersonHasAccount,
    TooManyTravelers,
)
def register(
    body: AssistedRegistrationIn,
    request: Request,
    user: Partner,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    mail: MailDep,
) -> AssistedOut:
    """Register a person who has no phone (and the group they travel with).

    The registration is the person's: `contact` `own` mails them how to take it over;
    `partner` answers a `handover_code`, shown once, to give them."""
    made = service.register(
        db,
        partner=user,
        data=body,
        settings=settings,
        clock=clock,
        mail=mail,
        ip=client_ip(request),
    )
    return assisted_out(made)


@router.get("/registrations")
@raises(PartnerOrganisationInactive)
def list_made(user: Partner, db: ReadSession) -> list[AssistedOut]:
    """Every registration your organisation made, and no one else's."""
    return [assisted_out(m) for m in service.list_made(db, partner=user)]


@router.get("/registrations/{registration_id}")
@raises(PartnerOrganisationInactive, RegistrationNotFound)
def get_made(registration_id: str, user: Partner, db: ReadSession) -> AssistedOut:
    return assisted_out(service.get_made(db, partner=user, registration_id=registration_id))


@router.put("/registrations/{registration_id}/travelers/{position}")
@raises(
    PartnerOrganisationInactive,
    RegistrationNotFound,
    HandedOver,
    TravelerNotFound,
    RegistrationNotEditable,
    TravelersLockedByAppointment,
)
def edit_traveler(
    registration_id: str,
    position: int,
    body: TravelerIn,
    user: Partner,
    db: DbSession,
    clock: ClockDep,
) -> RegistrationOut:
    service.edit_traveler(
        db,
        partner=user,
        registration_id=registration_id,
        position=position,
        data=body,
        clock=clock,
    )
    made = service.get_made(db, partner=user, registration_id=registration_id)
    return registration_out(made.registration)


@router.put("/registrations/{registration_id}/travelers/{position}/photo")
@raises(
    PartnerOrganisationInactive,
    RegistrationNotFound,
    HandedOver,
    TravelerNotFound,
    RegistrationNotEditable,
    TravelersLockedByAppointment,
    UploadTooLarge,
    PhotoTooLarge,
    PhotoEmpty,
    PhotoNotJpegOrPng,
    PhotoTooManyPixels,
    PhotoUnreadable,
    PhotoTooSmall,
)
def put_photo(
    registration_id: str,
    position: int,
    photo: UploadFile,
    user: Partner,
    work: RequestWork,
    _db: DbSession,  # declares the write session; the upload works in ``work`` itself
    store: PhotoStoreDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> RegistrationOut:
    """A traveler's portrait (multipart field `photo`), by the same checks as anyone's."""
    data = read_upload(photo, settings.photo_max_bytes, field="photo")
    made = service.acting_on(work.session, partner=user, registration_id=registration_id)
    registration, _ = set_photo_released(
        work,
        registration_id=registration_id,
        owner=made.owner,
        position=position,
        data=data,
        store=store,
        settings=settings,
        clock=clock,
    )
    service.record_photo(
        work.session, partner=user, registration_id=registration_id, position=position, clock=clock
    )
    return registration_out(registration)


@router.post("/registrations/{registration_id}/requests", status_code=status.HTTP_201_CREATED)
@raises(
    PartnerOrganisationInactive,
    RegistrationNotFound,
    HandedOver,
    RegistrationCannotRequest,
    WindowClosed,
    PhotosMissing,
    RequestOutsideArea,
    AskedElsewhere,
    AlreadySelected,
    AlreadyBooked,
    PortNotFound,
)
def request_appointment(
    registration_id: str,
    body: RequestIn,
    request: Request,
    response: Response,
    user: Partner,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
) -> RequestOut:
    """Ask for an appointment for the person, from where you are (the eligible area)."""
    made, created = service.request(
        db,
        partner=user,
        registration_id=registration_id,
        data=body,
        settings=settings,
        clock=clock,
        ip=client_ip(request),
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return RequestOut.model_validate(made)


@router.post("/registrations/{registration_id}/withdraw")
@raises(PartnerOrganisationInactive, RegistrationNotFound, HandedOver, InvalidTransition)
def withdraw(
    registration_id: str, user: Partner, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> RegistrationOut:
    """Withdraw the registration, its request, offer and appointment, when the person asks."""
    made = service.withdraw(
        db, partner=user, registration_id=registration_id, settings=settings, clock=clock
    )
    return registration_out(made.registration)


@router.post("/registrations/{registration_id}/appointment/cancel")
@raises(
    PartnerOrganisationInactive,
    RegistrationNotFound,
    HandedOver,
    NoBookedAppointment,
    InvalidTransition,
    SeatsNotReleased,
)
def cancel_appointment(
    registration_id: str, user: Partner, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> AppointmentOut:
    appointment = service.cancel_appointment(
        db, partner=user, registration_id=registration_id, settings=settings, clock=clock
    )
    return AppointmentOut.model_validate(appointment)


@router.post("/registrations/{registration_id}/handover-code")
@raises(PartnerOrganisationInactive, RegistrationNotFound, HandedOver)
def new_handover_code(
    registration_id: str, user: Partner, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> AssistedOut:
    """A new handover code for the person (the previous one stops working)."""
    made = service.new_handover_code(
        db, partner=user, registration_id=registration_id, settings=settings, clock=clock
    )
    return assisted_out(made)


@router.get("/audit")
@raises(PartnerOrganisationInactive)
def own_audit(
    user: Partner, db: ReadSession, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[AuditOut]:
    """Your organisation's audit trail, newest first."""
    organisation = service.organisation_of(db, user)
    rows = audit.trail(db, organisation_id=organisation.id, limit=limit)
    return [AuditOut.model_validate(r) for r in rows]


# --- the person: taking a registration over ---------------------------------------------------


@handover_router.post("/handover")
@raises(EmailNotVerified, HandoverCodeWrong)
def claim(
    body: HandoverIn, user: Applicant, db: DbSession, settings: SettingsDep, clock: ClockDep
) -> RegistrationOut:
    """Take a registration a partner made for you into your account, with its handover code."""
    registration = service.claim(db, user=user, code=body.code, settings=settings, clock=clock)
    return registration_out(registration)


# --- admins and analysts ------------------------------------------------------------------------


@admin_router.post("/partner-organisations", status_code=status.HTTP_201_CREATED)
@raises(PartnerOrganisationTaken)
def create_organisation(
    body: OrganisationIn, user: Admin, db: DbSession, clock: ClockDep
) -> OrganisationOut:
    organisation = service.create_organisation(
        db, name=body.name, inbox=body.inbox, clock=clock, actor=user
    )
    return OrganisationOut.model_validate(organisation)


@admin_router.get("/partner-organisations")
def list_organisations(_user: Admin, db: ReadSession) -> list[OrganisationOut]:
    return [OrganisationOut.model_validate(o) for o in service.list_organisations(db)]


@admin_router.post(
    "/partner-organisations/{organisation_id}/members", status_code=status.HTTP_201_CREATED
)
@raises(
    PartnerOrganisationNotFound, EmailTaken, PasswordTooShort, PasswordTooLong, PasswordTooCommon
)
def add_member(
    organisation_id: RowId,
    body: PartnerUserIn,
    user: Admin,
    db: DbSession,
    clock: ClockDep,
) -> PartnerUserOut:
    """A partner account of the organisation, verified from the start."""
    member = service.create_partner_user(
        db,
        organisation_id=organisation_id,
        email=body.email,
        password=body.password,
        clock=clock,
        actor=user,
    )
    return PartnerUserOut(id=member.id, email=member.email, organisation_id=organisation_id)


@admin_router.post("/partner-organisations/{organisation_id}/suspend")
@raises(PartnerOrganisationNotFound)
def suspend(organisation_id: RowId, user: Admin, db: DbSession, clock: ClockDep) -> OrganisationOut:
    """Stop the organisation's accounts acting (what it made stays, and stays the people's)."""
    organisation = service.set_active(
        db, organisation_id=organisation_id, active=False, clock=clock, actor=user
    )
    return OrganisationOut.model_validate(organisation)


@admin_router.post("/partner-organisations/{organisation_id}/reinstate")
@raises(PartnerOrganisationNotFound)
def reinstate(
    organisation_id: RowId, user: Admin, db: DbSession, clock: ClockDep
) -> OrganisationOut:
    organisation = service.set_active(
        db, organisation_id=organisation_id, active=True, clock=clock, actor=user
    )
    return OrganisationOut.model_validate(organisation)


@admin_router.get("/partner-audit")
def all_audit(
    _user: Analyst,
    db: ReadSession,
    organisation_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    """Analysts and admins: the partner audit trail, newest first."""
    rows = audit.trail(db, organisation_id=organisation_id, limit=limit)
    return [AuditOut.model_validate(r) for r in rows]


@admin_router.get("/partner-report")
@raises(ReportRangeTooLong)
def partner_report(
    _user: Analyst,
    db: ReadSession,
    settings: SettingsDep,
    start: Annotated[ServiceDay, Query()],
    end: Annotated[ServiceDay, Query()],
) -> ReportOut:
    """Analysts and admins: each partner's volumes per day beside everyone's, with flags."""
    built = report.build(db, start=start, end=end, settings=settings)
    return report_out(built)


def report_out(built: report.Report) -> ReportOut:
    return ReportOut(
        start=built.start,
        end=built.end,
        rows=[
            ReportRowOut(
                day=r.day,
                organisation_id=r.organisation_id,
                organisation=built.names.get(r.organisation_id, ""),
                registrations=r.volume.registrations,
                travelers=r.volume.travelers,
                requests=r.volume.requests,
                selections=r.volume.selections,
                share_of_registrations=r.share_of_registrations,
                peers_median_registrations=r.peers_median_registrations,
                baseline_registrations=r.baseline_registrations,
                selection_rate=r.selection_rate,
                rest_selection_rate=r.rest_selection_rate,
                flags=list(r.flags),
            )
            for r in built.rows
        ],
        totals={
            d.isoformat(): {
                "registrations": v.registrations,
                "travelers": v.travelers,
                "requests": v.requests,
                "selections": v.selections,
            }
            for d, v in sorted(built.totals.items())
        },
    )
