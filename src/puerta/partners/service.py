"""The assisted channel: partner organisations register people who have no phone.

Why it is shaped this way:

* **The registration belongs to the person.** Each one is an ordinary registration owned
  by an applicant account of the person's own, made with it and without a usable password
  (``!`` hash: nobody signs in to it). Its address is the person's own email, or a tagged
  address of the organisation's inbox (``contact = partner``), so every mail Puerta sends
  the owner (codes, and later the state changes) reaches whoever holds the contact, with
  no special case anywhere else. The person takes it over by setting a password through
  "I forgot my password" (own email), or with a handover code into an account they made
  themselves (:func:`claim`). From then on the partner sees that it was handed over, and
  nothing else.
* **One ticket per person, like anyone's.** The draw reads travelers, never owners or
  channels: an assisted registration of someone who also registered themselves is the same
  person in the pool (``tests/partners/test_draw.py``).
* **Every action is audited** (``partners.audit``) by the function that does it, in its
  transaction; a refused action writes neither the change nor the row.
* **Partners see only what their organisation submitted**: every lookup goes through
  :func:`get_made`, and another organisation's registration is "not found", as for
  applicants, so ids cannot be probed.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from puerta.accounts import passwords
from puerta.accounts import service as accounts_service
from puerta.accounts.mail import MailSender
from puerta.accounts.models import Role, User
from puerta.clock import Clock
from puerta.config import Settings
from puerta.confirmation import service as confirmation_service
from puerta.confirmation.models import Appointment
from puerta.errors import (
    ContactEmailNotWanted,
    ContactEmailRequired,
    EmailNotVerified,
    EmailTaken,
    HandedOver,
    HandoverCodeWrong,
    PartnerOrganisationInactive,
    PartnerOrganisationNotFound,
    PartnerOrganisationTaken,
    PartnersOnly,
    PersonHasAccount,
    RegistrationNotFound,
)
from puerta.i18n import M, render
from puerta.ids import normalise_code, random_code
from puerta.journey import editing, requesting
from puerta.journey.withdraw import withdraw as withdraw_registration
from puerta.partners import audit
from puerta.partners.audit import Action
from puerta.partners.models import AssistedRegistration, PartnerMember, PartnerOrganisation
from puerta.partners.schemas import AssistedRegistrationIn, Contact
from puerta.registration import service as registration_service
from puerta.registration.models import Registration, Traveler
from puerta.registration.schemas import TravelerIn
from puerta.requests import service as requests_service
from puerta.requests.models import AppointmentRequest
from puerta.requests.schemas import RequestIn

#: The password hash of an account a partner made for a person: nobody can sign in with
#: it (``passwords.verify_password`` refuses ``!`` hashes) until the person sets one.
UNUSABLE_HASH = "!assisted"
HANDOVER_LENGTH = 12  # 60 random bits, and only a signed-in applicant may try one

ASSISTED_SUBJECT = M("mail.assisted.subject", "You are registered on Puerta")
ASSISTED_BODY = M(
    "mail.assisted.body",
    "{organisation} registered you and the people you travel with on Puerta, as you asked "
    "them to.\n\n"
    "To see where your registration stands and manage it yourself, open Puerta, choose "
    '"I forgot my password" on the sign-in page and set a password for this email address.'
    "\n\nIf you did not ask {organisation} for this, tell them, or do nothing.\n\n"
    "Puerta is free. Nobody can sell you a better chance or ask you for money.",
)


# --- organisations and their accounts (admins) ----------------------------------------------


def create_organisation(
    session: Session, *, name: str, inbox: str, clock: Clock, actor: User | None = None
) -> PartnerOrganisation:
    """A partner organisation, made by an admin (``actor``; None at the command line)."""
    if session.scalar(select(PartnerOrganisation).where(PartnerOrganisation.name == name)):
        raise PartnerOrganisationTaken(field="name")
    organisation = PartnerOrganisation(name=name, inbox=inbox.lower(), created_at=clock.now())
    session.add(organisation)
    session.flush()
    audit.record(
        session,
        actor=actor,
        organisation_id=organisation.id,
        action=Action.ORGANISATION_CREATED,
        clock=clock,
        name=name,
    )
    return organisation


def get_organisation(session: Session, organisation_id: int) -> PartnerOrganisation:
    organisation = session.get(PartnerOrganisation, organisation_id)
    if organisation is None:
        raise PartnerOrganisationNotFound(organisation_id=organisation_id)
    return organisation


def list_organisations(session: Session) -> list[PartnerOrganisation]:
    return list(session.scalars(select(PartnerOrganisation).order_by(PartnerOrganisation.id)))


def set_active(
    session: Session,
    *,
    organisation_id: int,
    active: bool,
    clock: Clock,
    actor: User | None = None,
) -> PartnerOrganisation:
    """Suspend an organisation (its accounts can no longer act; what it made stays and
    stays the person's) or reinstate it: what an admin does about a registration farm."""
    organisation = get_organisation(session, organisation_id)
    if organisation.is_active != active:
        organisation.is_active = active
        audit.record(
            session,
            actor=actor,
            organisation_id=organisation.id,
            action=Action.REINSTATED if active else Action.SUSPENDED,
            clock=clock,
        )
    return organisation


def create_partner_user(
    session: Session,
    *,
    organisation_id: int,
    email: str,
    password: str,
    clock: Clock,
    actor: User | None = None,
) -> User:
    """A partner account of one organisation, verified from the start (an admin made it).

    The password is hashed here (argon2): admins' and operators' work, not the hot path.
    """
    organisation = get_organisation(session, organisation_id)
    if (problem := passwords.problem_with(password)) is not None:
        raise problem
    if accounts_service.find_user(session, email) is not None:
        raise EmailTaken(field="email")
    now = clock.now()
    user = User(
        email=email.lower(),
        password_hash=passwords.hash_password(password),
        role=Role.PARTNER.value,
        created_at=now,
        email_verified_at=now,
    )
    session.add(user)
    session.flush()
    session.add(PartnerMember(user_id=user.id, organisation_id=organisation.id))
    audit.record(
        session,
        actor=actor,
        organisation_id=organisation.id,
        action=Action.MEMBER_ADDED,
        clock=clock,
        user_id=user.id,
    )
    return user


def is_partner(user: User) -> bool:
    """Whether ``user`` acts for a partner organisation: the check the limits on sign-ups
    and registrations per address and device use to leave the assisted channel to the
    per-partner report (``registration.service.Channel`` marks the registration itself)."""
    return user.role == Role.PARTNER.value


def organisation_of(session: Session, partner: User) -> PartnerOrganisation:
    """The organisation ``partner`` acts for; a suspended one cannot act."""
    member = session.get(PartnerMember, partner.id) if is_partner(partner) else None
    if member is None:
        raise PartnersOnly()
    organisation = session.get(PartnerOrganisation, member.organisation_id)
    assert organisation is not None
    if not organisation.is_active:
        raise PartnerOrganisationInactive()
    return organisation


# --- what a partner does for a person -------------------------------------------------------


@dataclass(frozen=True)
class Made:
    """A registration a partner made, with what the partner may see of it."""

    assisted: AssistedRegistration
    registration: Registration
    owner: User
    #: The handover code, only just after it was made (it is kept as a hash).
    handover_code: str | None = None

    @property
    def handed_over(self) -> bool:
        """The person took it over: into another account with a code, or by setting a
        password on their own (an account with a usable password is theirs alone)."""
        return self.assisted.handed_over_at is not None or not self.owner.password_hash.startswith(
            "!"
        )


def _handover_hash(settings: Settings, code: str) -> str:
    msg = f"handover:{normalise_code(code)}".encode()
    return hmac.new(settings.secret_key.encode(), msg, hashlib.sha256).hexdigest()


def _new_handover_code(assisted: AssistedRegistration, settings: Settings) -> str:
    raw = random_code(HANDOVER_LENGTH)
    assisted.handover_code_hash = _handover_hash(settings, raw)
    return "-".join(raw[i : i + 4] for i in range(0, HANDOVER_LENGTH, 4))


def _tagged(inbox: str, session: Session) -> str:
    """A tag of the organisation's inbox for one person (``intake+p3k7q2m9x@...``): the
    organisation's mail service delivers sub-addresses to the inbox, and the tag tells
    whose mail it is. Any tag already in the inbox's address is replaced."""
    local, domain = inbox.rsplit("@", 1)
    base = local.split("+", 1)[0]
    while True:
        address = f"{base}+p{random_code(9).lower()}@{domain}"
        if accounts_service.find_user(session, address) is None:
            return address


def register(
    session: Session,
    *,
    partner: User,
    data: AssistedRegistrationIn,
    settings: Settings,
    clock: Clock,
    mail: MailSender,
    ip: str | None = None,
) -> Made:
    """Register a person (and the group they travel with) for them.

    The person's own email: the account is theirs from the start, and they are told by
    mail, in their language, how to take it over. The organisation's inbox: a tagged
    address of it, and a handover code the partner gives the person.
    """
    organisation = organisation_of(session, partner)
    if data.contact is Contact.OWN:
        if not data.email:
            raise ContactEmailRequired(field="email")
        if accounts_service.find_user(session, data.email) is not None:
            raise PersonHasAccount(field="email")
        address = data.email.lower()
    else:
        if data.email:
            raise ContactEmailNotWanted(field="email")
        address = _tagged(organisation.inbox, session)
    now = clock.now()
    owner = User(
        email=address,
        password_hash=UNUSABLE_HASH,
        role=Role.APPLICANT.value,
        language=data.language or data.travelers[0].language,
        created_at=now,
        created_ip=ip,
    )
    session.add(owner)
    session.flush()
    registration = registration_service.create(
        session,
        owner=owner,
        data=data,
        settings=settings,
        clock=clock,
        ip=ip,
        channel=registration_service.Channel.PARTNER,
    )
    assisted = AssistedRegistration(
        registration_id=registration.id,
        organisation_id=organisation.id,
        created_by=partner.id,
        contact=data.contact.value,
        contact_email=address,
        created_at=now,
    )
    code = _new_handover_code(assisted, settings) if data.contact is Contact.PARTNER else None
    session.add(assisted)
    audit.record(
        session,
        actor=partner,
        organisation_id=organisation.id,
        action=Action.CREATE,
        clock=clock,
        registration_id=registration.id,
        travelers=len(registration.travelers),
        contact=data.contact.value,
    )
    if data.contact is Contact.OWN:
        params = {"organisation": organisation.name}
        mail.send(
            session,
            to=address,
            subject=render(ASSISTED_SUBJECT, locale=owner.language),
            body=render(ASSISTED_BODY, params, locale=owner.language),
        )
    session.flush()
    return Made(assisted, registration, owner, code)


def _made(session: Session, assisted: AssistedRegistration) -> Made:
    registration = session.get(Registration, assisted.registration_id)
    assert registration is not None
    owner = session.get(User, registration.owner_id)
    assert owner is not None
    return Made(assisted, registration, owner)


def list_made(session: Session, *, partner: User) -> list[Made]:
    """Every registration the partner's organisation made, oldest first."""
    organisation = organisation_of(session, partner)
    rows = session.scalars(
        select(AssistedRegistration)
        .where(AssistedRegistration.organisation_id == organisation.id)
        .order_by(AssistedRegistration.created_at, AssistedRegistration.registration_id)
    )
    return [_made(session, a) for a in rows]


def get_made(session: Session, *, partner: User, registration_id: str) -> Made:
    """One registration the partner's organisation made. Anyone else's is "not found"."""
    organisation = organisation_of(session, partner)
    assisted = session.get(AssistedRegistration, registration_id)
    if assisted is None or assisted.organisation_id != organisation.id:
        raise RegistrationNotFound()
    return _made(session, assisted)


def acting_on(session: Session, *, partner: User, registration_id: str) -> Made:
    """A registration the partner may still act on: theirs, and not handed over."""
    made = get_made(session, partner=partner, registration_id=registration_id)
    if made.handed_over:
        raise HandedOver()
    return made


def _record(
    session: Session, made: Made, partner: User, action: Action, clock: Clock, **detail: object
) -> None:
    audit.record(
        session,
        actor=partner,
        organisation_id=made.assisted.organisation_id,
        action=action,
        clock=clock,
        registration_id=made.registration.id,
        **detail,
    )


def edit_traveler(
    session: Session,
    *,
    partner: User,
    registration_id: str,
    position: int,
    data: TravelerIn,
    clock: Clock,
) -> Traveler:
    made = acting_on(session, partner=partner, registration_id=registration_id)
    traveler = editing.update_traveler(
        session, registration=made.registration, position=position, data=data, clock=clock
    )
    _record(session, made, partner, Action.EDIT, clock, position=position)
    return traveler


def record_photo(
    session: Session, *, partner: User, registration_id: str, position: int, clock: Clock
) -> Made:
    """Audit a photo the partner set (the upload runs in the view: Pillow holds no
    connection); in the same request's transaction as the photo itself."""
    made = acting_on(session, partner=partner, registration_id=registration_id)
    _record(session, made, partner, Action.PHOTO, clock, position=position)
    return made


def request(
    session: Session,
    *,
    partner: User,
    registration_id: str,
    data: RequestIn,
    settings: Settings,
    clock: Clock,
    ip: str | None = None,
) -> tuple[AppointmentRequest, bool]:
    """Ask for an appointment for the person, by the same rules as anyone (window, photos,
    port, the partner's location in the eligible area). A repeat in the same window returns
    the same request (``False``) and is not a new action."""
    made = acting_on(session, partner=partner, registration_id=registration_id)
    before = {r.id for r in requests_service.requests_for(session, made.registration)}
    made_request = requesting.request_appointment(
        session, registration=made.registration, data=data, settings=settings, clock=clock, ip=ip
    )
    session.flush()
    created = made_request.id not in before
    if created:
        _record(
            session,
            made,
            partner,
            Action.REQUEST,
            clock,
            port_code=made_request.port_code,
            pool_date=made_request.pool_date.isoformat(),
        )
    return made_request, created


def withdraw(
    session: Session, *, partner: User, registration_id: str, settings: Settings, clock: Clock
) -> Made:
    made = acting_on(session, partner=partner, registration_id=registration_id)
    withdraw_registration(session, registration=made.registration, settings=settings, clock=clock)
    _record(session, made, partner, Action.WITHDRAW, clock)
    return made


def cancel_appointment(
    session: Session, *, partner: User, registration_id: str, settings: Settings, clock: Clock
) -> Appointment:
    made = acting_on(session, partner=partner, registration_id=registration_id)
    appointment = confirmation_service.booked_appointment(session, made.registration)
    cancelled = confirmation_service.cancel(
        session, appointment=appointment, settings=settings, clock=clock
    )
    _record(session, made, partner, Action.CANCEL, clock, appointment_id=appointment.id)
    return cancelled


def new_handover_code(
    session: Session, *, partner: User, registration_id: str, settings: Settings, clock: Clock
) -> Made:
    """A new handover code for the person (the last one stops working): for a person who
    lost theirs, or who wants a registration with their own email in another account."""
    made = acting_on(session, partner=partner, registration_id=registration_id)
    code = _new_handover_code(made.assisted, settings)
    _record(session, made, partner, Action.HANDOVER_CODE, clock)
    return Made(made.assisted, made.registration, made.owner, code)


def claim(
    session: Session, *, user: User, code: str, settings: Settings, clock: Clock
) -> Registration:
    """The person takes a registration a partner made into their own account, with the
    code the partner gave them. The account the partner made for them is closed; the
    partner sees only that it was handed over."""
    if user.email_verified_at is None:
        raise EmailNotVerified()
    assisted = session.scalar(
        select(AssistedRegistration).where(
            AssistedRegistration.handover_code_hash == _handover_hash(settings, code)
        )
    )
    if assisted is None:
        raise HandoverCodeWrong(field="code")
    made = _made(session, assisted)
    now = clock.now()
    made.registration.owner_id = user.id
    made.registration.updated_at = now
    assisted.handover_code_hash = None
    assisted.handed_over_at = now
    if made.owner.id != user.id and made.owner.password_hash.startswith("!"):
        made.owner.is_active = False
    audit.record(
        session,
        actor=user,
        organisation_id=assisted.organisation_id,
        action=Action.HANDOVER,
        clock=clock,
        registration_id=made.registration.id,
    )
    return made.registration
