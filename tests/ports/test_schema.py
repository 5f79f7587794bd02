"""GET /api/v1/ports keeps to its own OpenAPI schema (issue 12: ``format: time`` without
an offset, which RFC 3339 times must carry)."""

from __future__ import annotations

import re

from tests.api_support import Api


def test_the_ports_times_match_their_declared_schema(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()["components"]["schemas"]["PortOut"]
    for name in ("opens_at", "closes_at"):
        declared = schema["properties"][name]
        assert declared.get("format") != "time"
        pattern = re.compile(declared["pattern"])
        for port in api.client.get("/api/v1/ports").json():
            assert pattern.fullmatch(port[name]), (name, port[name])
