"""How ``puerta serve`` configures gunicorn: workers, the drain's bounds, one server per
port on a machine (no shared control socket)."""

from __future__ import annotations

import os

import pytest

from puerta.config import Settings
from puerta.web import server


def test_workers_default_to_one_per_core(settings: Settings) -> None:
    assert server.worker_count(settings) == os.cpu_count()
    assert server.worker_count(settings, 3) == 3
    settings.workers = 5
    assert server.worker_count(settings) == 5
    assert server.worker_count(settings, 0) == os.cpu_count()


def test_the_drain_fits_in_the_graceful_timeout(settings: Settings) -> None:
    opts = server.options(settings, host="127.0.0.1", port=8000)
    assert settings.graceful_timeout == 10
    assert opts["graceful_timeout"] == 9  # the master kills stragglers at 9 s, exits by 10
    assert server.drain_seconds(opts["graceful_timeout"]) == 7  # 2 s left for the lifespan
    assert opts["worker_class"] == "puerta.web.server.Worker"
    assert opts["control_socket_disable"] is True
    assert opts["accesslog"] is None  # puerta.access writes one line a request
    assert opts["logconfig_dict"]["loggers"]["gunicorn.access"]["handlers"] == []
    assert opts["child_exit"] is server._worker_exited  # a killed worker's gauges go
    assert opts["bind"] == ["127.0.0.1:8000"]
    assert server.options(settings, host="::1", port=8000)["bind"] == ["[::1]:8000"]


@pytest.mark.parametrize(("timeout", "drain"), [(2, 1), (3, 1), (29, 27)])
def test_the_drain_is_at_least_a_second(timeout: int, drain: int) -> None:
    assert server.drain_seconds(timeout) == drain


def test_the_graceful_timeout_leaves_room_for_every_step() -> None:
    with pytest.raises(ValueError, match="graceful_timeout"):
        Settings(graceful_timeout=2, _env_file=None)
