"""Browser tests: Debian's chromium, driven by Playwright, against a real ``puerta serve``.

- ``site`` (session): a fresh SQLite data dir in a tmp dir (``puerta db upgrade``,
  ``puerta demo load --no-population``), then ``puerta serve --host 127.0.0.1 --port P
  --workers 1`` in a process group of its own, as a user starts it; ready once
  ``/healthz`` answers; stopped with SIGTERM at the end (SIGKILL to the group if it
  outlives the graceful timeout, which fails the run).
- ``browser`` (package): ``/usr/bin/chromium``, headless, never Playwright's own download.
  Missing or failing to start: skipped with the reason, except under ``CI=true``, where
  it fails (``make test`` installs it first: scripts/debian-packages.sh).
- ``locale``: ``en``; override it with ``@pytest.mark.parametrize("locale", [...])``.
- ``context``: a phone (360x740, device scale 2, touch, geolocation granted at Tijuana)
  in ``locale``, with ``base_url`` the server.
- ``page`` and ``watch``: a page whose requests, console errors and page loads are
  recorded (:class:`tests.browser.support.Watch`); the test fails at its end on any
  request to another host, page error or console error it did not allow.

Every test here is marked ``browser`` (``pytest -m browser`` runs only them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from puerta.bench.rush.server import puerta_command
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, PHONE, Watch
from tests.web.serving import free_port

IN_CI = os.environ.get("CI", "").lower() == "true"
START_SECONDS = 90
STOP_SECONDS = 15  # graceful_timeout (10) and some


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.timed)


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class Site:
    """The server under test."""

    url: str
    data_dir: Path
    log: Path
    proc: subprocess.Popen[bytes]


def _environment(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PUERTA_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(PUERTA_DATA_DIR=str(data_dir), PUERTA_SECRET_KEY="browser-test-secret")
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        [*puerta_command(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"puerta {' '.join(args)}: {done.stdout}\n{done.stderr}"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("site")
    data_dir = root / "var"
    env = _environment(data_dir)
    _run(["db", "upgrade"], env, root)
    _run(["demo", "load", "--no-population"], env, root)
    port = free_port()
    log = root / "serve.log"
    command = [*puerta_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--workers", "1"],
            cwd=root,  # no .env of the developer's
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert proc.poll() is None, f"puerta serve exited early:\n{log.read_text()}"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, (
                f"not ready in {START_SECONDS} s:\n{log.read_text()}"
            )
            time.sleep(0.2)
        yield Site(url=url, data_dir=data_dir, log=log, proc=proc)
    finally:
        _stop(proc, log)


def _stop(proc: subprocess.Popen[bytes], log: Path) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        pytest.fail(f"puerta serve outlived SIGTERM by {STOP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    # Package scope, not session: the sync API keeps an event loop running on this
    # thread, so it must be stopped before tests outside tests/browser/ (asyncio.run).
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is missing (scripts/debian-packages.sh chromium installs it)")
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
    except Exception as exc:
        _unavailable(f"{CHROMIUM} did not start: {str(exc).splitlines()[0]}")
    yield browser
    browser.close()


@pytest.fixture
def locale() -> str:
    return "en"


@pytest.fixture
def context(browser: Browser, site: Site, locale: str) -> Iterator[BrowserContext]:
    context = browser.new_context(**PHONE, locale=locale, base_url=site.url)
    # A bound, not a measure: under make test another test file runs on the other core.
    context.set_default_timeout(45_000)
    yield context
    context.close()


@pytest.fixture
def watch(site: Site) -> Watch:
    return Watch(origin=site.url)


@pytest.fixture
def page(context: BrowserContext, watch: Watch) -> Iterator[Page]:
    page = context.new_page()
    watch.attach(context, page)
    yield page
    problems = watch.problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
