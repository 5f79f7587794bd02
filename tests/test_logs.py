"""One JSON line a request, with what operators need and no personal data."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from puerta import logs
from tests.api_support import Api

KEYS = {
    "time",
    "level",
    "logger",
    "pid",
    "message",
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "bytes",
    "admission",
    "gate",
}


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    """What ``puerta.access`` writes, formatted as ``puerta serve`` formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("puerta.access")
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def test_a_request_writes_one_json_line_without_personal_data(
    api: Api, access_lines: io.StringIO
) -> None:
    email = "ana.morales@example.org"
    token = api.sign_up_verified(email)
    rid = api.registration(token, photos=False)
    access_lines.truncate(0)
    access_lines.seek(0)

    r = api.client.get(
        f"/api/v1/registrations/{rid}/requests",
        params={"email": email, "token": token},
        headers=api.auth(token),
    )
    assert r.status_code == 200, r.text

    text = access_lines.getvalue()
    lines = text.splitlines()
    assert len(lines) == 1, text
    line = json.loads(lines[0])
    assert set(line) == KEYS
    assert line["logger"] == "puerta.access"
    assert line["route"] == "/api/v1/registrations/{registration_id}/requests"
    assert (line["method"], line["status"], line["admission"], line["gate"]) == (
        "GET",
        200,
        "admitted",
        "general",
    )
    assert line["bytes"] == len(r.content)
    assert line["duration_ms"] > 0
    assert line["request_id"] == r.headers["x-request-id"]
    for secret in (rid, email, "example.org", token, "testclient", "127.0.0.1", "?"):
        assert secret not in text


def test_sign_up_logs_no_address_and_no_code(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    """The outbox keeps the code for the demo; the log only says a message was kept."""
    with caplog.at_level(logging.DEBUG, logger="puerta"):
        api.sign_up_verified("someone@example.org")
    assert any(r.name == "puerta.mail" for r in caplog.records)
    assert "example.org" not in caplog.text
    assert not re.search(r"\b\d{6}\b", caplog.text)  # the verification code


def test_text_lines_carry_the_same_fields() -> None:
    record = logging.LogRecord("puerta.access", logging.INFO, "", 0, "request", None, None)
    record.fields = {"route": "/healthz", "status": 200}
    line = logs.TextFormatter().format(record)
    assert line.endswith(
        f" INFO puerta.access [{record.process}] request route=/healthz status=200"
    )


def test_the_server_config_formats_puerta_and_the_server_and_silences_its_access_log() -> None:
    config = logs.dict_config("json")
    assert config["formatters"]["puerta"]["()"] == "puerta.logs.JsonFormatter"
    assert logs.dict_config("text")["formatters"]["puerta"]["()"] == "puerta.logs.TextFormatter"
    for name in ("puerta", "uvicorn", "uvicorn.error"):
        assert config["loggers"][name]["handlers"] == ["stderr"]
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
