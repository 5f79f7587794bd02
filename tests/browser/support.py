"""What the browser tests watch and check, apart from the fixtures (``conftest.py``).

- :class:`Watch`: every request a page's context makes (the "no other host" check),
  console errors and uncaught page errors, and the bytes each page load transferred.
- :func:`weight`: bytes transferred since the page's last navigation, as sent on the
  wire (headers plus the encoded, i.e. compressed, body), photos excluded.
- :func:`tofu`: the characters on the page that render as the missing-glyph box.
- :func:`axe_violations`: axe-core's violations (the copy bundled in
  ``axe-playwright-python``, injected into the page: nothing is fetched).
- :func:`shoot`: a screenshot into ``build/screenshots/<lang>/<name>.png``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, WebSocket

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
#: The flags of a browser on a closed network: no calls home, no background updates.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-quic",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]
#: A phone: the viewport of a cheap Android one, and where applicants are (Tijuana).
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "geolocation": {"latitude": 32.5149, "longitude": -117.0382},
    "permissions": ["geolocation"],
    "timezone_id": "America/Tijuana",
}
PAGE_LIMIT_BYTES = 100_000
#: A traveler's photo (uploaded, or shown back): not counted in a page's weight.
PHOTO = re.compile(r"/photos?(/|$)|/photo\b")
#: Schemes that make no request to any host.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome-error"}
#: ``Request.failure`` of a request the page's Content-Security-Policy stopped (Playwright
#: says "csp"; Chromium's own name is net::ERR_BLOCKED_BY_CSP).
BLOCKED_BY_CSP = {"csp", "net::ERR_BLOCKED_BY_CSP"}
SERIOUS = {"serious", "critical"}
#: Console errors allowed everywhere, each until the pages fix it.
KNOWN_CONSOLE = [
    # No page declares an icon (<link rel="icon">) and the app serves no /favicon.ico, so
    # Chromium asks for /favicon.ico and logs its 404.
    r"status of 404 .*/favicon\.ico\)$",
]

_axe = Axe()


@dataclass
class Load:
    """One main-frame navigation and what it fetched."""

    url: str
    requests: list[Request] = field(default_factory=list)


@dataclass
class Watch:
    """What a test's browser context did. ``origin`` is the server's ``scheme://host:port``.

    A request to another host fails the test, whether it was sent or stopped by the
    page's Content-Security-Policy before leaving: a page
    that tries is a finding either way. A test lists the attempts it knows of, each with
    the reason, in ``allowed_blocked`` (exact URLs); those may only ever be blocked, never
    sent.
    """

    origin: str
    requests: list[str] = field(default_factory=list)
    foreign: list[Request] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    loads: list[Load] = field(default_factory=list)
    #: Console errors a test expects (regular expressions), e.g. the 404 of a 404 page.
    allowed_console: list[str] = field(default_factory=lambda: list(KNOWN_CONSOLE))
    #: Requests to another host the page's policy blocks, known and allowed for now.
    allowed_blocked: list[str] = field(default_factory=list)
    _load_of: dict[Request, Load] = field(default_factory=dict, repr=False)

    def attach(self, context: BrowserContext, page: Page) -> None:
        context.on("request", self._on_request)
        context.on("requestfinished", self._on_finished)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("websocket", self._on_websocket)

    def _is_foreign(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            return False
        return f"{parts.scheme}://{parts.netloc}" != self.origin

    def _on_request(self, request: Request) -> None:
        self.requests.append(request.url)
        if self._is_foreign(request.url):
            self.foreign.append(request)
        # A page load starts with its main frame's navigation (a redirect continues it);
        # each request counts toward the load during which it started.
        main = request.is_navigation_request() and request.frame.parent_frame is None
        if main and request.redirected_from is None:
            self.loads.append(Load(request.url))
        if self.loads:
            self._load_of[request] = self.loads[-1]

    def _on_websocket(self, socket: WebSocket) -> None:
        self.requests.append(socket.url)
        if self._is_foreign(socket.url.replace("ws", "http", 1)):
            self.console_errors.append(f"websocket to another host: {socket.url}")

    def _on_finished(self, request: Request) -> None:
        load = self._load_of.pop(request, None)
        if load is not None:
            load.requests.append(request)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({where})")

    def blocked(self) -> list[str]:
        """Requests to another host that the page's policy stopped before they left."""
        return [r.url for r in self.foreign if r.failure in BLOCKED_BY_CSP]

    def sent(self) -> list[str]:
        """Requests to another host that were sent (or might have been)."""
        return [r.url for r in self.foreign if r.failure not in BLOCKED_BY_CSP]

    def problems(self) -> list[str]:
        """What fails the test at its end: another host, a console or page error."""
        found = [f"request to another host: {url}" for url in self.sent()]
        allowed = self.allowed_blocked
        found += [
            f"request to another host (blocked by the page's policy): {url}"
            for url in self.blocked()
            if url not in allowed
        ]
        found += [f"page error: {e}" for e in self.page_errors]
        found += [
            f"console error: {e}"
            for e in self.console_errors
            if not any(re.search(p, e) for p in self.allowed_console)
            and not any(url in e for url in allowed)  # the policy's own report of it
        ]
        return found


@dataclass
class Weight:
    """The bytes a page load transferred (headers + encoded bodies), photos excluded."""

    url: str
    total: int
    by_url: dict[str, int]

    def __str__(self) -> str:
        top = sorted(self.by_url.items(), key=lambda kv: -kv[1])[:5]
        parts = ", ".join(f"{urlsplit(u).path} {n:,}" for u, n in top)
        return f"{urlsplit(self.url).path}: {self.total:,} bytes ({parts})"


def weight(watch: Watch) -> Weight:
    """The weight of the latest page load. Call it once the page is loaded
    (``page.goto(..., wait_until="networkidle")``)."""
    assert watch.loads, "no page was loaded"
    load = watch.loads[-1]
    by_url: dict[str, int] = {}
    for request in load.requests:
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https") or PHOTO.search(parts.path):
            continue  # a blob: worker, a data: image: nothing transferred
        sizes = request.sizes()
        sent = max(0, sizes["responseHeadersSize"]) + max(0, sizes["responseBodySize"])
        by_url[request.url] = by_url.get(request.url, 0) + sent
    return Weight(load.url, sum(by_url.values()), by_url)


def check_weight(watch: Watch, limit: int = PAGE_LIMIT_BYTES) -> Weight:
    found = weight(watch)
    print(f"weight {found}")
    assert found.total < limit, f"heavier than {limit:,} bytes: {found}"
    return found


def shoot(page: Page, name: str, *, lang: str | None = None, full_page: bool = True) -> Path:
    """Save a screenshot as ``build/screenshots/<lang>/<name>.png`` (``lang``: the page's
    ``<html lang>``, else ``und``) and return its path."""
    lang = lang or page.evaluate("document.documentElement.lang") or "und"
    path = SCREENSHOTS / lang / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


def axe_violations(page: Page, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (every rule axe runs by default)."""
    results = _axe.run(page, options=options or {"resultTypes": ["violations"]})
    return list(results.response["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"]][:3]
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes) {v['help']}: {targets}")
    return "\n".join(lines) or "none"


def check_axe(page: Page) -> list[dict[str, Any]]:
    """Fails on any serious or critical violation; returns every violation found."""
    violations = axe_violations(page)
    print(f"axe {page.url}:\n{describe(violations)}")
    serious = [v for v in violations if v["impact"] in SERIOUS]
    assert not serious, f"serious or critical accessibility violations:\n{describe(serious)}"
    return violations


# --- tofu: a glyph that renders as a box ------------------------------------------------
#
# For each distinct character of the page's text (text nodes, and the alt, title,
# placeholder, aria-label and value attributes), drawn alone on a canvas in the font of
# the element that holds it, compare the pixels with a character that no font has
# (U+10FFFD, a private-use code point of plane 16) drawn in the same font. Chromium
# draws a character that no font (the element's, nor any fallback fontconfig finds)
# covers as its primary font's .notdef glyph: the same box as the reference, pixel for
# pixel. A covered character draws its own glyph. So the check sees what the browser
# actually rendered, with the page's own font stack and Chromium's own fallback, and
# needs no list of fonts or scripts. `tofu()` first checks that the reference does draw
# a box (ink, unlike a space), else the method would pass vacuously.

TOFU_JS = (Path(__file__).parent / "tofu.js").read_text()


def tofu(page: Page) -> list[str]:
    """Every distinct character on the page that renders as the missing-glyph box,
    as ``'X' U+XXXX in <font>``."""
    result = page.evaluate(TOFU_JS)
    assert result["referenceInked"], "U+10FFFD drew nothing: the tofu check cannot work here"
    return [f"{f['ch']!r} U+{ord(f['ch']):04X} in {f['font']}" for f in result["found"]]


def check_tofu(page: Page) -> None:
    boxes = tofu(page)
    assert not boxes, "characters rendered as a box (no font has them):\n" + "\n".join(boxes)
