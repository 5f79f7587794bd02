"""Logging, configured in one place: one line a record, JSON or text, on stderr.

Every request writes one ``puerta.access`` record (``web/metrics.py``) whose
fields are the route's template, never its path, and no address, email, token
or query string: logs carry no personal data. The server's own access log is
off (ours replaces it); its errors go through the same formatter.

``dict_config()`` is a ``logging.config.dictConfig`` dictionary, the form
uvicorn (``log_config``), gunicorn (``logconfig_dict``) and granian
(``log_dictconfig``) apply in each worker process.

Example:
    >>> import logging
    >>> record = logging.LogRecord("puerta.access", logging.INFO, "", 0, "request", None, None)
    >>> record.fields = {"route": "/healthz", "status": 200}
    >>> record.created, record.process = 0.0, 7
    >>> JsonFormatter().format(record)  # doctest: +NORMALIZE_WHITESPACE
    '{"time": "1970-01-01T00:00:00.000Z", "level": "info", "logger": "puerta.access",
      "pid": 7, "message": "request", "route": "/healthz", "status": 200}'
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any, Literal

Format = Literal["json", "text"]


def _time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, pid, message, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger [pid] message key=value ...`` for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {}
        parts = [_time(record), record.levelname, record.name, f"[{record.process}]"]
        parts.append(record.getMessage())
        parts.extend(f"{k}={v}" for k, v in fields.items())
        text = " ".join(parts)
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


#: Servers' own loggers: their errors are kept, their access logs replaced by ours.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "granian", "gunicorn.error")
SERVER_ACCESS_LOGGERS = ("uvicorn.access", "granian.access", "gunicorn.access")


def dict_config(fmt: Format = "json", level: str = "INFO") -> dict[str, Any]:
    formatter = JsonFormatter if fmt == "json" else TextFormatter
    loggers: dict[str, Any] = {
        name: {"handlers": ["stderr"], "level": level, "propagate": False}
        for name in ("puerta", *SERVER_LOGGERS)
    }
    for name in SERVER_ACCESS_LOGGERS:
        loggers[name] = {"handlers": [], "level": "ERROR", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"puerta": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "puerta",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": loggers,
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


def configure(fmt: Format = "json", level: str = "INFO") -> None:
    logging.config.dictConfig(dict_config(fmt, level))
