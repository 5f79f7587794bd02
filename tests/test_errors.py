"""The error catalogue: unique codes, placeholders that match the parameters, in the
catalog template and in the docs, and no sentence raised from a service."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import pkgutil
from datetime import date
from enum import StrEnum
from pathlib import Path

import pytest

import puerta
from puerta import errors, lifecycle
from puerta.i18n import extract
from puerta.i18n.message import REGISTRY
from puerta.i18n.translate import term_code

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "puerta"
CLASSES = [c for c in errors.catalogue() if c not in (errors.PuertaError, errors.InvalidValue)]


def _params(cls: type[errors.Coded]) -> set[str]:
    return {f.name for f in dataclasses.fields(cls) if f.name != "field"}  # type: ignore[arg-type]


def _import_everything() -> None:
    for info in pkgutil.walk_packages(puerta.__path__, "puerta."):
        if ".bench" in info.name:
            continue
        importlib.import_module(info.name)


def test_every_error_class_has_its_own_code() -> None:
    codes = [c.message.code for c in errors.catalogue()]
    assert len(codes) == len(set(codes))
    assert len(CLASSES) > 60


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_placeholders_are_exactly_the_parameters(cls: type[errors.Coded]) -> None:
    assert cls.message.placeholders == _params(cls)


def test_a_parameter_missing_or_unknown_is_refused() -> None:
    with pytest.raises(TypeError):
        errors.DrawAlreadyRun()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        errors.DrawAlreadyRun(pool_date=date(2026, 3, 4), when="now")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        errors.DrawAlreadyRun("The draw has already run.")  # type: ignore[misc]


def test_the_templates_hold_every_message_and_nothing_stale() -> None:
    _import_everything()
    stored = extract.entries(extract.read_template())
    staff = extract.entries(extract.read_template(extract.STAFF_TEMPLATE))
    declared = {
        (m.code, m.text) for m in REGISTRY.values() if not m.code.startswith(("doc.", "test."))
    }
    assert declared - stored - staff == set(), "run `puerta i18n extract`"
    assert extract.entries(extract.extract()) == stored, "run `puerta i18n extract`"
    assert extract.entries(extract.extract("staff")) == staff, "run `puerta i18n extract`"
    assert all(c is None or c.startswith(extract.STAFF_CODE_PREFIXES) for c, _ in staff)


def test_every_lifecycle_state_has_a_name_in_the_catalog() -> None:
    enums: list[type[StrEnum]] = [
        lifecycle.RegistrationStatus,
        lifecycle.RequestStatus,
        lifecycle.SelectionStatus,
        lifecycle.AppointmentStatus,
        lifecycle.FindingStatus,
        lifecycle.ArrivalStatus,
        lifecycle.Disposition,
    ]
    missing = [term_code(v) for e in enums for v in e if term_code(v) not in REGISTRY]
    assert missing == []


def test_every_code_has_its_own_row_in_the_docs() -> None:
    from puerta.web import problems

    text = (ROOT / "docs" / "api.md").read_text()
    rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| `")}
    codes = {c.message.code for c in CLASSES}
    codes |= {m.code for m in problems.INPUT_MESSAGES.values()}
    codes |= {m.code for m in problems.HTTP_MESSAGES.values()}
    codes |= {problems.HTTP_OTHER.code, problems.INTERNAL_ERROR.code}
    assert sorted(codes - {r.strip("`") for r in rows}) == []


def _raises_prose(tree: ast.AST, names: set[str]) -> list[int]:
    """Lines that raise a catalogued error (or ValueError) with a sentence."""
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
            continue
        func = node.exc.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in names:
            continue
        values = list(node.exc.args) + [k.value for k in node.exc.keywords if k.arg != "field"]
        if any(
            (
                isinstance(v, ast.JoinedStr | ast.Constant)
                and isinstance(getattr(v, "value", ""), str)
            )
            or isinstance(v, ast.JoinedStr)
            for v in values
        ):
            bad.append(node.lineno)
    return bad


def test_no_service_raises_a_sentence() -> None:
    """Services raise codes and values; the web, pages, CLI and mail render them."""
    names = {c.__name__ for c in errors.catalogue()}
    offenders = {}
    for path in SRC.rglob("*.py"):
        if path.name == "errors.py":
            continue
        lines = _raises_prose(ast.parse(path.read_text()), names)
        if lines:
            offenders[str(path.relative_to(SRC))] = lines
    assert offenders == {}


def test_the_prose_check_can_fail() -> None:
    names = {"DrawAlreadyRun"}
    assert _raises_prose(ast.parse('raise DrawAlreadyRun(f"x {y}")'), names) == [1]
    assert _raises_prose(ast.parse('raise DrawAlreadyRun(pool_date="today")'), names) == [1]
    assert _raises_prose(ast.parse("raise DrawAlreadyRun(pool_date=d)"), names) == []


def test_the_field_rules_raise_coded_values() -> None:
    from puerta.registration import validation as v

    with pytest.raises(errors.NotAPhoneNumber) as caught:
        v.phone_e164("not a phone")
    assert (caught.value.code, caught.value.params) == ("value.phone", {"value": "not a phone"})
    assert isinstance(caught.value, ValueError)
    with pytest.raises(errors.TextTooLong) as long:
        v.clean_text("x" * 11, max_len=10)
    assert long.value.params == {"max_length": 10}
