"""``puerta partners`` on a fresh SQLite file."""

from __future__ import annotations

import pytest

from tests.cli.test_commands import data_dir, invoke  # noqa: F401  (the fixture)


@pytest.mark.usefixtures("data_dir")
def test_organisations_accounts_suspension_audit_and_report() -> None:
    assert invoke("db", "upgrade").exit_code == 0
    made = invoke(
        "partners", "create", "--name", "Casa (synthetic)", "--inbox", "intake@casa.example"
    )
    assert made.exit_code == 0, made.output
    assert "created organisation 1 Casa (synthetic) <intake@casa.example>" in made.output
    bad = invoke("partners", "create", "--name", "Other", "--inbox", "not an email")
    assert bad.exit_code == 1
    assert "is not an email address" in bad.output
    user = invoke(
        "partners",
        "add-user",
        "--organisation",
        "1",
        "--email",
        "rosa@casa.example",
        "--password",
        "partner pass 1",
    )
    assert user.exit_code == 0, user.output
    missing = invoke(
        "partners",
        "add-user",
        "--organisation",
        "7",
        "--email",
        "x@casa.example",
        "--password",
        "partner pass 1",
    )
    assert missing.exit_code == 1
    assert "no partner organisation 7" in missing.output
    assert invoke("partners", "suspend", "--organisation", "1").exit_code == 0
    listed = invoke("partners", "list")
    assert "Casa (synthetic)\tintake@casa.example\tsuspended" in listed.output
    trail = invoke("partners", "audit")
    actions = [line.split("\t")[3] for line in trail.output.splitlines()]
    assert actions == ["suspended", "member_added", "organisation_created"]
    report = invoke("partners", "report", "--start", "2026-03-01", "--end", "2026-03-02")
    assert report.exit_code == 0, report.output
    assert " 2026-03-02\tall channels\t0\t0\t0\t0" in report.output
    as_json = invoke("partners", "report", "--start", "2026-03-01", "--end", "2026-03-01", "--json")
    assert '"rows": []' in as_json.output
    too_long = invoke("partners", "report", "--start", "2026-01-01", "--end", "2026-12-31")
    assert too_long.exit_code == 1
    assert "at most 92 days" in too_long.output
