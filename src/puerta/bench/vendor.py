"""``python -m puerta.bench.vendor``: the report's day one against a 1-scan-a-second vendor.

32 confirmations a second arrive for 5 minutes (9,600) at a vendor contracted for 1 scan
a second. Each is the confirmation use case the API and the page call
(``confirmation.views.confirm_live``), from a pool of threads, against a fresh store
(SQLite file by default, or ``--database-url``) holding 9,600 offers; the fake vendor
(``confirmation.fake_vendor``) is a real HTTP server on loopback enforcing the contract,
and ``--drainers`` liveness workers drain the queue, as ``puerta serve`` would.

At 1 scan a second, 9,600 scans take 2 h 40 min to resolve. So, stated in the output:
the arrivals run at real speed; once they are all in, time is scaled by
``--drain-scale`` for the clock every part reads (the store's contract budget, the
client, the fake vendor's contract and latency, the deadlines), so the vendor takes
``scale`` scans a real second while each is still 1 second apart on the contract's
clock. Real work between two scans (two transactions, one HTTP call) is multiplied by
the scale on that clock: it can only make waits look longer, never the vendor faster.

It reports the errors shown (must be 0), seats lost (0), the vendor's peak rate on the
contract's clock (never over the contract), whether every confirmation was resolved,
and the longest wait. Exit 1 when any of these fails.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import func, insert, select

from puerta import migrate
from puerta.accounts.models import User
from puerta.config import Settings
from puerta.confirmation import queue
from puerta.confirmation.fake_vendor import FakeVendor
from puerta.confirmation.models import Appointment, LivenessScan
from puerta.confirmation.vendor import VendorLivenessProvider
from puerta.confirmation.views import confirm_live
from puerta.confirmation.worker import LivenessWorker
from puerta.db import Database
from puerta.demo import synthetic_portrait
from puerta.draw.models import Draw, Selection
from puerta.errors import PuertaError
from puerta.ports import service as ports_service
from puerta.ports.models import PortDay
from puerta.registration.models import Registration, Traveler
from puerta.requests.models import AppointmentRequest

START = datetime(2026, 3, 4, 16, 10, tzinfo=UTC)  # just after the day's draw
POOL_DAY, VISIT = date(2026, 3, 4), date(2026, 3, 18)
TIJUANA = (32.5149, -117.0382)
KEY = "bench-vendor-key"


class ScaledClock:
    """A clock that runs at real speed, then ``scale`` times faster from ``set_scale`` on.

    ``now()`` is continuous across a change of scale; ``sleep(s)`` sleeps ``s`` seconds
    of this clock (``s / scale`` real seconds).
    """

    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._virtual, self._real, self.scale = start, time.perf_counter(), 1.0

    def now(self) -> datetime:
        with self._lock:
            return self._virtual + timedelta(
                seconds=(time.perf_counter() - self._real) * self.scale
            )

    def set_scale(self, scale: float) -> None:
        with self._lock:
            real = time.perf_counter()
            self._virtual += timedelta(seconds=(real - self._real) * self.scale)
            self._real, self.scale = real, scale

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.scale)

    def wait(self, stop: threading.Event, seconds: float) -> None:
        stop.wait(max(0.0, seconds) / self.scale)

    def timestamp(self) -> float:
        return self.now().timestamp()


def live_photos(n: int) -> list[bytes]:
    """``n`` distinct valid live photos: one synthetic portrait, a few pixels changed each."""
    base = Image.open(io.BytesIO(synthetic_portrait(4242))).convert("RGB")
    out = []
    for i in range(n):
        img = base.copy()
        for k in range(4):
            img.putpixel((k, 0), ((i >> (8 * k)) & 255, 7 * k, 255 - k))
        buf = io.BytesIO()
        img.save(buf, format="PNG", compress_level=1)
        out.append(buf.getvalue())
    return out


def build_world(db: Database, settings: Settings, n: int) -> list[tuple[str, int]]:
    """``n`` applicants, each with one traveler and an offer for SYS, seats held."""
    with db.session() as s:
        ports_service.ensure_ports(s, settings)
        s.execute(
            insert(User),
            [
                {
                    "email": f"bench{i}@example.org",
                    "password_hash": "x",
                    "role": "applicant",
                    "language": "en",
                    "is_active": True,
                    "created_at": START,
                }
                for i in range(n)
            ],
        )
        users = list(s.scalars(select(User.id).order_by(User.id)))
        rids = [f"RB{i:015d}" for i in range(n)]
        s.execute(
            insert(Registration),
            [
                {
                    "id": r,
                    "owner_id": u,
                    "status": "active",
                    "created_at": START,
                    "updated_at": START,
                }
                for r, u in zip(rids, users, strict=True)
            ],
        )
        s.execute(
            insert(Traveler),
            [
                {
                    "registration_id": r,
                    "position": 0,
                    "given_names": f"Bench {i}",
                    "family_names": "Example",
                    "date_of_birth": date(1990, 1, 1) + timedelta(days=i % 9000),
                    "sex": "F",
                    "country_of_birth": "VE",
                    "citizenship": "VE",
                    "language": "es",
                    "address_line1": "1 Main St",
                    "city": "Houston",
                    "state": "TX",
                }
                for i, r in enumerate(rids)
            ],
        )
        s.execute(
            insert(AppointmentRequest),
            [
                {
                    "registration_id": r,
                    "pool_date": POOL_DAY,
                    "port_code": "SYS",
                    "status": "selected",
                    "latitude": TIJUANA[0],
                    "longitude": TIJUANA[1],
                    "created_at": START - timedelta(hours=2),
                }
                for r in rids
            ],
        )
        requests = dict(
            s.execute(select(AppointmentRequest.registration_id, AppointmentRequest.id)).all()
        )
        draw = Draw(
            pool_date=POOL_DAY,
            appointment_date=VISIT,
            algorithm="puerta-fair-v1",
            seed_hex="00",
            pool_size=n,
            seats_offered=n,
            created_at=START,
        )
        s.add(draw)
        s.flush()
        s.execute(
            insert(Selection),
            [
                {
                    "draw_id": draw.id,
                    "request_id": requests[r],
                    "registration_id": r,
                    "port_code": "SYS",
                    "appointment_date": VISIT,
                    "seats": 1,
                    "reason": "random",
                    "status": "offered",
                    "deadline": START + timedelta(hours=settings.confirm_hours),
                    "extended": False,
                    "created_at": START,
                }
                for r in rids
            ],
        )
        s.merge(PortDay(port_code="SYS", day=VISIT, capacity=n, offered=n, booked=0))
    return list(zip(rids, users, strict=True))


@dataclass
class Arrivals:
    immediate: int = 0
    queued: int = 0
    errors: list[str] = field(default_factory=list)
    estimates: dict[str, float] = field(default_factory=dict)  # registration: seconds
    lock: threading.Lock = field(default_factory=threading.Lock)


def confirm_one(
    db: Database,
    rid: str,
    user: User,
    photo: bytes,
    provider: VendorLivenessProvider,
    settings: Settings,
    clock: ScaledClock,
    out: Arrivals,
) -> None:
    try:
        with db.unit_of_work() as work:
            outcome = confirm_live(
                work,
                registration_id=rid,
                owner=user,
                live_photo=photo,
                latitude=TIJUANA[0],
                longitude=TIJUANA[1],
                settings=settings,
                clock=clock,
                liveness=provider,
            )
            work.commit()
    except PuertaError as exc:  # what the person would be shown as a refusal
        with out.lock:
            out.errors.append(exc.code)
        return
    except Exception as exc:  # a raw error: the worst outcome
        with out.lock:
            out.errors.append(f"raw: {type(exc).__name__}: {exc}")
        return
    with out.lock:
        if isinstance(outcome, queue.Pending):
            out.queued += 1
            out.estimates[rid] = -1.0 if outcome.wait is None else outcome.wait.total_seconds()
        else:
            out.immediate += 1


def run(args: argparse.Namespace) -> dict[str, object]:
    n = int(args.rate * args.arrival_seconds)
    tmp = tempfile.TemporaryDirectory(prefix="puerta-bench-vendor-")
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    migrate.upgrade(url)
    db = Database(url, pool_size=args.threads + args.drainers + 4)
    clock = ScaledClock(START)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=Path(tmp.name),
        secret_key="bench-only",  # noqa: S106 (a throw-away store)
        liveness_provider="vendor",
        vendor_api_key=KEY,
        vendor_rate_per_second=args.contract_rate,
        vendor_quota=args.quota,
        vendor_timeout_seconds=5.0,
        liveness_worker_idle_seconds=0.5,
    )
    print(f"building {n} offers in {url.split('///')[0]}... ", end="", flush=True)
    began = time.perf_counter()
    world = build_world(db, settings, n)
    photos = live_photos(n)
    print(f"{time.perf_counter() - began:.1f} s")
    fake = FakeVendor(
        rate=args.contract_rate,
        quota=args.quota,
        latency=args.latency,
        failure_rate=args.failure_rate,
        api_key=KEY,
        now=clock.timestamp,
        sleep=clock.sleep,
        seed=7,
    ).start()
    settings = settings.model_copy(update={"vendor_url": fake.url})

    def provider() -> VendorLivenessProvider:
        return VendorLivenessProvider(settings, db=db, clock=clock, sleep=clock.sleep)

    request_provider = provider()
    workers = [
        LivenessWorker(db, provider=provider(), settings=settings, clock=clock, wait=clock.wait)
        for _ in range(args.drainers)
    ]
    threads = [threading.Thread(target=w.run, daemon=True) for w in workers]
    for t in threads:
        t.start()
    with db.read_only() as s:
        users = {u.id: u for u in s.scalars(select(User))}
        s.expunge_all()  # kept loaded: the rollback at the block's end would expire them
    out = Arrivals()
    print(
        f"arrivals: {args.rate:g} confirmations/s for {args.arrival_seconds:g} s at real speed, "
        f"vendor contract {args.contract_rate:g} scan/s, quota {args.quota}"
    )
    began = time.perf_counter()
    with ThreadPoolExecutor(args.threads) as pool:
        for i, (rid, uid) in enumerate(world):
            due = began + i / args.rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            pool.submit(
                confirm_one, db, rid, users[uid], photos[i], request_provider, settings, clock, out
            )
    arrival_real = time.perf_counter() - began
    late = max(0.0, arrival_real - args.arrival_seconds)
    print(
        f"arrivals done in {arrival_real:.1f} s real ({late:.1f} s behind schedule); now the "
        f"clock runs {args.drain_scale:g}x: every figure below is on the contract's clock"
    )
    clock.set_scale(args.drain_scale)
    drain_began = time.perf_counter()
    while time.perf_counter() - drain_began < args.max_drain_seconds:
        with db.read_only() as s:
            left = queue.waiting_count(s)
        if left == 0:
            break
        time.sleep(0.5)
    drain_real = time.perf_counter() - drain_began
    for w in workers:
        w.shutdown(timeout=10)
    request_provider.close()
    fake.stop()
    return report(db, args, n, out, fake, arrival_real, drain_real, tmp)


def report(
    db: Database,
    args: argparse.Namespace,
    n: int,
    out: Arrivals,
    fake: FakeVendor,
    arrival_real: float,
    drain_real: float,
    tmp: tempfile.TemporaryDirectory[str],
) -> dict[str, object]:
    with db.read_only() as s:
        waits = {
            rid: (resolved - enqueued).total_seconds()
            for rid, enqueued, resolved in s.execute(
                select(
                    LivenessScan.registration_id,
                    LivenessScan.enqueued_at,
                    LivenessScan.resolved_at,
                ).where(LivenessScan.resolved_at.is_not(None))
            )
        }
        outcomes = dict(
            s.execute(
                select(LivenessScan.outcome, func.count()).group_by(LivenessScan.outcome)
            ).all()
        )
        active = queue.waiting_count(s)
        booked = s.scalar(select(func.count()).select_from(Appointment)) or 0
        ledger = s.get(PortDay, ("SYS", VISIT))
        assert ledger is not None
        expired = s.scalar(
            select(func.count()).select_from(Selection).where(Selection.status == "expired")
        )
        late_deadline = s.scalar(
            select(func.count())
            .select_from(Selection)
            .join(LivenessScan, LivenessScan.selection_id == Selection.id)
            .where(
                LivenessScan.resolved_at.is_not(None), Selection.deadline < LivenessScan.resolved_at
            )
        )
        offered_left, booked_seats = ledger.offered, ledger.booked
    db.engine.dispose()
    tmp.cleanup()
    seats_lost = n - (offered_left + booked_seats)
    refused = sum(v for k, v in outcomes.items() if k not in (queue.BOOKED,))
    under = [waits[r] - est for r, est in out.estimates.items() if r in waits and est >= 0]
    result: dict[str, object] = {
        "confirmations": n,
        "arrival_rate_per_s": args.rate,
        "arrival_seconds_real": round(arrival_real, 1),
        "drain_scale": args.drain_scale,
        "drain_seconds_real": round(drain_real, 1),
        "contract_rate_per_s": args.contract_rate,
        "answered_at_once": out.immediate,
        "queued": out.queued,
        "errors_shown": len(out.errors) + refused,
        "error_codes": sorted(set(out.errors))[:5] + [k for k in outcomes if k != queue.BOOKED],
        "seats_lost": seats_lost,
        "expired_offers": expired,
        "deadline_before_resolution": late_deadline,
        "booked": booked,
        "unresolved": active,
        "all_resolved": active == 0 and booked == n,
        "vendor_received": fake.counts.received,
        "vendor_accepted": fake.counts.accepted,
        "vendor_429": fake.counts.rate_limited,
        "vendor_failed": fake.counts.failed,
        "vendor_peak_rate_per_s": round(fake.peak_rate, 4),
        "vendor_within_contract": fake.kept_to_contract,
        "longest_wait_s": round(max(waits.values(), default=0.0), 1),
        "median_wait_s": round(statistics.median(waits.values()), 1) if waits else 0.0,
        "estimate_short_by_max_s": round(max(under, default=0.0), 1),
    }
    return result


def verdict(result: dict[str, object]) -> list[str]:
    failed = []
    if result["errors_shown"] != 0:
        failed.append("errors shown")
    if result["seats_lost"] != 0 or result["expired_offers"] != 0:
        failed.append("seats lost")
    if not result["vendor_within_contract"]:
        failed.append("vendor over its contract")
    if not result["all_resolved"]:
        failed.append("confirmations left unresolved")
    if result["deadline_before_resolution"] != 0:
        failed.append("a deadline passed before its scan was resolved")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m puerta.bench.vendor", description=__doc__)
    parser.add_argument("--rate", type=float, default=32.0, help="confirmations a second")
    parser.add_argument("--arrival-seconds", type=float, default=300.0, help="arrival phase")
    parser.add_argument("--contract-rate", type=float, default=1.0, help="vendor scans/s")
    parser.add_argument("--quota", type=int, default=400_000, help="vendor total quota")
    parser.add_argument("--drain-scale", type=float, default=20.0, help="time scale after")
    parser.add_argument("--latency", type=float, default=0.3, help="vendor seconds a scan")
    parser.add_argument("--failure-rate", type=float, default=0.01, help="vendor 503 share")
    parser.add_argument("--threads", type=int, default=8, help="confirmation threads")
    parser.add_argument("--drainers", type=int, default=2, help="liveness workers")
    parser.add_argument("--max-drain-seconds", type=float, default=1800.0, help="real cap")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--out", default="", help="write the figures as JSON here")
    args = parser.parse_args(argv)
    result = run(args)
    for key, value in result.items():
        print(f"  {key}: {value}")
    failed = verdict(result)
    print("PASS" if not failed else f"FAIL: {', '.join(failed)}")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
