"""A throwaway PostgreSQL instance for the fault tests, which kill it.

It is never the shared server: ``initdb`` makes a cluster in a new temporary
directory, ``pg_ctl start`` serves it on a free port of 127.0.0.1 with its
unix socket in that directory, and :meth:`Instance.crash` SIGKILLs its
postmaster (the pid in ``postmaster.pid``) and its children.

PostgreSQL refuses to run as root. Under root (CI) the cluster belongs to an
unprivileged account, ``postgres`` when the machine has one, else ``nobody``,
and every PostgreSQL command runs as that account (``subprocess``'s ``user=``
and ``group=``: no ``su`` or ``runuser`` needed); its directory is created for
it in a world-searchable temporary directory.

``pg_ctl`` leaves the postmaster without a parent, and the container's init
may not reap it: a zombie postmaster still holds ``postmaster.pid`` and a
restart would refuse. The fixture therefore makes the test process a child
subreaper (Linux ``prctl``) while the instance lives, reaps the instance's
processes itself, and, where that is not possible, removes a lock file whose
process is dead.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import IN_CI

PROGRAMS = ("initdb", "pg_ctl", "postgres")
#: Unprivileged accounts a root process may run PostgreSQL as, in order of preference.
ACCOUNTS = ("postgres", "nobody")
START_TIMEOUT_S = 60
PR_SET_CHILD_SUBREAPER = 36


def _version(bindir: Path) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in bindir.parent.name.split("."))
    except ValueError:
        return (0,)


def find_bindir() -> Path | None:
    """The directory holding the PostgreSQL server programs, or None when there is none.

    Looked for in ``pg_config --bindir``, Debian's ``/usr/lib/postgresql/*/bin``
    (newest first), then beside an ``initdb`` on ``PATH``.
    """
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if all(os.access(bindir / p, os.X_OK) for p in PROGRAMS):
            return bindir
    return None


@dataclass(frozen=True)
class Account:
    """Who the PostgreSQL commands run as: None fields mean this process's own user."""

    name: str
    uid: int | None = None
    gid: int | None = None


def account() -> Account:
    """This process's user, or under root the first unprivileged account of ``ACCOUNTS``."""
    if os.geteuid() != 0:
        return Account(pwd.getpwuid(os.geteuid()).pw_name)
    for name in ACCOUNTS:
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            if entry.pw_uid != 0:
                return Account(name, entry.pw_uid, entry.pw_gid)
    raise RuntimeError(
        f"running as root, and none of the accounts {', '.join(ACCOUNTS)} exists to run "
        "initdb as (PostgreSQL refuses to run as root)"
    )


def _searchable_by_all(path: Path) -> bool:
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _state(pid: int) -> str | None:
    """The process's state letter (``Z`` for a zombie), None when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def _alive(pid: int) -> bool:
    return _state(pid) not in (None, "Z")


def _stat(pid: int) -> tuple[str, int] | None:
    """A process's command name and parent pid (Linux ``/proc``)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
        comm = text[text.index("(") + 1 : text.rindex(")")]
        return comm, int(text.rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _children(parent: int, comm: str | None = None) -> set[int]:
    """The processes whose parent is ``parent`` (and whose command is ``comm``)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            info = _stat(int(entry.name))
            if info and info[1] == parent and (comm is None or info[0] == comm):
                found.add(int(entry.name))
    return found


def _reap(pids: set[int]) -> None:
    """Collect those of ``pids`` that are our children (as subreaper) and have ended."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


@contextlib.contextmanager
def subreaper() -> Iterator[bool]:
    """Adopt orphaned descendants (the postmaster, once ``pg_ctl`` exits) while inside."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        adopted = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        libc, adopted = None, False
    try:
        yield adopted
    finally:
        if adopted and libc is not None:
            libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


@dataclass
class Instance:
    """One throwaway cluster: its directory, port, and the account that owns it."""

    bindir: Path
    root: Path
    port: int
    owner: Account
    crashes: list[dict[str, object]] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @classmethod
    def create(cls, bindir: Path) -> Instance:
        """A new temporary directory, owned by the running account, and ``initdb`` in it."""
        owner = account()
        base = Path(tempfile.gettempdir())
        if owner.uid is not None and not _searchable_by_all(base):
            base = Path("/tmp")
        root = Path(tempfile.mkdtemp(prefix="puerta-pg-", dir=base))
        if owner.uid is not None:
            os.chown(root, owner.uid, owner.gid if owner.gid is not None else -1)
        instance = cls(bindir, root, free_port(), owner)
        try:
            instance._run(
                "initdb",
                [
                    *("-D", str(instance.data), "-U", "postgres", "--auth=trust"),
                    *("-E", "UTF8", "--locale=C", "--no-sync"),
                ],
                timeout=120,
            )
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return instance

    def _run(self, program: str, args: list[str], *, timeout: float) -> str:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.root),
            "LC_ALL": "C",
            "TZ": "UTC",
        }
        done = subprocess.run(
            [str(self.bindir / program), *args],
            cwd=self.root,
            env=env,
            user=self.owner.uid,
            group=self.owner.gid,
            extra_groups=[] if self.owner.uid is not None else None,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({done.returncode}) as {self.owner.name}:\n"
                f"{done.stdout}{done.stderr}\n{self.log_tail()}"
            )
        return done.stdout

    def start(self) -> None:
        """``pg_ctl start`` and wait until it accepts connections."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c max_connections=60 -c shared_buffers=16MB"
        )
        self._run(
            "pg_ctl",
            [
                *("-D", str(self.data), "-l", str(self.log)),
                *("-w", "-t", str(START_TIMEOUT_S), "-o", options, "start"),
            ],
            timeout=START_TIMEOUT_S + 10,
        )

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def crash(self, wait_s: float = 15.0) -> int:
        """SIGKILL the postmaster, then its children (the backends and the auxiliary
        processes), as a crash of the instance; wait until all are gone.
        Returns the postmaster's pid."""
        pid = self.postmaster_pid()
        if pid is None or not _alive(pid):
            raise RuntimeError(f"no running postmaster in {self.data}")
        members = {pid, *_children(pid)}
        os.kill(pid, signal.SIGKILL)
        for child in members - {pid}:  # each backend is in a session of its own
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            # a backend forked after the scan ends by itself (its postmaster died) and,
            # orphaned, becomes this subreaper's child
            members |= _children(os.getpid(), comm="postgres")
            _reap(members)
            if not any(_alive(m) for m in members):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"the instance's processes outlived SIGKILL: {sorted(members)}")
        if _state(pid) == "Z":  # dead but unreaped (no subreaper): its lock file is stale
            (self.data / "postmaster.pid").unlink(missing_ok=True)
        self.crashes.append({"postmaster": pid, "processes_killed": len(members)})
        return pid

    def stop(self) -> None:
        """Stop at once (``pg_ctl stop -m immediate``), SIGKILL if that fails; reap."""
        pid = self.postmaster_pid()
        if pid is None or not _alive(pid):
            return
        members = {pid, *_children(pid)}
        try:
            self._run("pg_ctl", ["-D", str(self.data), "-m", "immediate", "-w", "stop"], timeout=30)
        except (RuntimeError, subprocess.TimeoutExpired):
            self.crash()
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(m) for m in members):
            _reap(members)
            time.sleep(0.05)
        _reap(members | _children(os.getpid(), comm="postgres"))

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@pytest.fixture
def throwaway_postgres() -> Iterator[Instance]:
    """A started throwaway instance, stopped and deleted afterwards.

    Skipped, with the reason, only when the server programs are absent, and
    never under ``CI=true``; any other failure to make it fails the test.
    """
    bindir = find_bindir()
    if bindir is None:
        reason = (
            "PostgreSQL server programs (initdb, pg_ctl, postgres) not found in "
            "`pg_config --bindir`, /usr/lib/postgresql/*/bin or PATH"
        )
        if IN_CI:
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    with subreaper():
        instance = Instance.create(bindir)
        try:
            instance.start()
            yield instance
        finally:
            instance.destroy()
