"""The production server: uvicorn workers under gunicorn (BENCHMARKS.md, "Server choice").

gunicorn's master binds the socket, forks ``workers`` processes and supervises them
(a worker that dies is replaced); each worker is a uvicorn event loop that builds its
own app with :func:`puerta.web.app.create_app`, so each has its own engine and pool,
and runs the lifespan (and so the scheduler loop, which only the leader lock's holder
acts on: :mod:`puerta.web.leader`).

SIGTERM (or SIGINT, SIGQUIT) to the master, within ``graceful_timeout`` seconds:

1. the master closes its listening socket and sends SIGTERM to every worker;
2. each worker closes its copy (new connections are refused once all are closed),
   closes idle keep-alive connections, and lets the requests in flight finish, for at
   most ``graceful_timeout - 3`` seconds (:data:`LIFESPAN_SECONDS` + the master's
   second); requests still running then are cancelled;
3. each worker runs the lifespan's shutdown: the scheduler lets a running pass finish
   and releases the leader lock; the worker exits;
4. the master kills any worker still alive at ``graceful_timeout - 1`` seconds, then
   exits with status 0.

Logging is ``puerta.logs.dict_config`` (gunicorn's ``logconfig_dict``, applied before the
fork; gunicorn's and uvicorn's access logs stay off, ``puerta.access`` replaces them).
With several workers, the Prometheus values go to files under ``data_dir/metrics``
(:mod:`puerta.web.multiproc`, set up in the master before the fork), and the master marks
the files of a worker that exits dead, killed or not.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from gunicorn.app.base import BaseApplication
from uvicorn_worker import UvicornWorker

from puerta import logs
from puerta.config import Settings
from puerta.web import multiproc

log = logging.getLogger("puerta.web")

#: Of the graceful timeout, what the lifespan's shutdown is left once requests drained.
LIFESPAN_SECONDS = 2
#: Of the graceful timeout, what the master keeps to kill stragglers and exit.
MASTER_SECONDS = 1


def drain_seconds(worker_timeout: int) -> int:
    """How long a worker lets in-flight requests finish after SIGTERM, of the
    ``worker_timeout`` seconds gunicorn gives it before killing it."""
    return max(1, worker_timeout - LIFESPAN_SECONDS)


class Worker(UvicornWorker):
    """uvicorn's gunicorn worker, with a bound on how long in-flight requests may drain
    (uvicorn's default waits for ever, and gunicorn would kill it before its lifespan
    shutdown released the leader lock)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config.timeout_graceful_shutdown = drain_seconds(self.cfg.graceful_timeout)
        self.config.access_log = False  # puerta.access writes one line a request


def _worker_exited(_arbiter: Any, worker: Any) -> None:
    """gunicorn's ``child_exit`` hook, in the master: the worker's live gauges go."""
    if os.environ.get(multiproc.ENV):
        from prometheus_client import multiprocess  # after the variable is set

        multiprocess.mark_process_dead(worker.pid)


def worker_count(settings: Settings, workers: int | None = None) -> int:
    """``workers`` if given, else the setting; 0 means one per core."""
    n = settings.workers if workers is None else workers
    return n if n > 0 else (os.cpu_count() or 1)


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn, configured from code (no command line, no config file)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from puerta.web.app import create_app  # in each worker, after the fork

        return create_app()


def options(settings: Settings, *, host: str, port: int, workers: int | None = None) -> dict:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": worker_count(settings, workers),
        "worker_class": f"{__name__}.Worker",
        # The master's share: workers drain within graceful_timeout - MASTER_SECONDS.
        "graceful_timeout": settings.graceful_timeout - MASTER_SECONDS,
        "keepalive": 5,  # uvicorn's own default
        "errorlog": "-",
        "loglevel": "info",
        "accesslog": None,
        "logconfig_dict": logs.dict_config(settings.log_format),
        "child_exit": _worker_exited,
        "proc_name": "puerta",
        # gunicorn's control socket sits at one path per user: two servers on one
        # machine would share it. Signals are how Puerta is driven.
        "control_socket_disable": True,
    }


def run(settings: Settings, *, host: str, port: int, workers: int | None = None) -> None:
    """Serve until SIGTERM or SIGINT; returns once every worker has exited."""
    logs.configure(settings.log_format)
    opts = options(settings, host=host, port=port, workers=workers)
    if opts["workers"] > 1 and not os.environ.get(multiproc.ENV):
        multiproc.prepare_metrics_dir(settings.data_dir)  # before the fork: shared files
    backend = settings.effective_database_url.split(":", 1)[0].split("+", 1)[0]
    log.info(
        "puerta serve: %s worker(s) on %s, %s store, scheduler %s",
        opts["workers"],
        opts["bind"][0],
        backend,
        "on (one leader per store)" if settings.scheduler_enabled else "off",
    )
    Server(opts).run()
