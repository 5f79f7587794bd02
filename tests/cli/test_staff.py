"""``puerta staff``: creating staff says the second factor comes at the first sign-in;
``list`` shows who has one; ``reset-second-factor`` removes it and ends the sessions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from puerta.accounts import second_factor
from puerta.accounts import service as accounts_service
from puerta.accounts.models import AuthSession, StaffRecoveryCode, StaffSecondFactor
from puerta.audit.models import AuditEvent
from puerta.cli.main import app
from puerta.clock import SystemClock
from puerta.config import get_settings
from puerta.db import Database

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PUERTA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PUERTA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


@pytest.mark.usefixtures("data_dir")
def test_list_and_reset_the_second_factor() -> None:
    assert invoke("db", "upgrade").exit_code == 0
    made = invoke(
        "staff", "create", "--email", "o@sys.example", "--role", "officer", "--port", "SYS",
        "--password", "officer pass 1",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "second factor: set up at the first sign-in" in made.output
    listed = invoke("staff", "list")
    assert listed.exit_code == 0, listed.output
    assert "o@sys.example\tofficer\tSYS\tno\tyes" in listed.output

    settings, clock = get_settings(), SystemClock()
    db = Database(settings.effective_database_url)
    with db.session() as s:
        user = accounts_service.find_user(s, "o@sys.example")
        assert user is not None
        second_factor.enrol_with_secret(
            s, user=user, secret="JBSWY3DPEHPK3PXP", settings=settings, clock=clock
        )
        s.add(StaffRecoveryCode(user_id=user.id, code_hash="x" * 64, created_at=clock.now()))
        check = accounts_service.check_password(
            email=user.email, stored_hash=user.password_hash, password="officer pass 1"
        )
    with db.session() as s:
        accounts_service.sign_in(s, check=check, settings=settings, clock=clock, mail=_NoMail())
    assert "o@sys.example\tofficer\tSYS\tyes\tyes" in invoke("staff", "list").output

    reset = invoke("staff", "reset-second-factor", "--email", "O@sys.example")
    assert reset.exit_code == 0, reset.output
    assert "reset o@sys.example" in reset.output
    assert "o@sys.example\tofficer\tSYS\tno\tyes" in invoke("staff", "list").output
    with db.read_only() as s:
        assert s.scalar(select(StaffSecondFactor.id)) is None
        assert s.scalar(select(StaffRecoveryCode.id)) is None
        assert all(a.revoked_at is not None for a in s.scalars(select(AuthSession)))
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "staff.second_factor_reset"))
        assert event is not None
        assert event.actor_email is None  # the command line: the system
        assert event.detail["email"] == "o@sys.example"
    db.engine.dispose()

    unknown = invoke("staff", "reset-second-factor", "--email", "nobody@example.org")
    assert unknown.exit_code == 1
    assert "no staff account" in unknown.output


class _NoMail:
    def send(self, *_: object, **__: object) -> None:
        raise AssertionError("no mail on a right password")
