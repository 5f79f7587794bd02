"""``puerta liveness``: the liveness queue's worker, its state, and a fake vendor for demos."""

from __future__ import annotations

import contextlib
import signal

import typer

from puerta.cli import common
from puerta.confirmation import queue
from puerta.confirmation.fake_vendor import FakeVendor

# ``confirmation.vendor`` and ``.worker`` define Prometheus metrics at import: imported in
# the commands, never when the CLI starts, or ``puerta serve`` would load prometheus_client
# before it sets PROMETHEUS_MULTIPROC_DIR and each worker would count alone.

app = typer.Typer(help="The liveness vendor: the queue's worker, its state, a fake vendor.")


@app.command("drain")
def drain(
    once: bool = typer.Option(False, help="One pass: send what the contract allows, then stop."),
    max_scans: int = typer.Option(0, min=0, help="Stop after this many scans (0: no limit)."),
) -> None:
    """Send queued live photos to the vendor at the contract's rate until stopped (SIGTERM)."""
    from puerta.confirmation.vendor import VendorLivenessProvider, provider_for
    from puerta.confirmation.worker import LivenessWorker

    settings, clock, db = common.settings(), common.clock(), common.database()
    provider = provider_for(settings, db=db, clock=clock)
    if not isinstance(provider, VendorLivenessProvider):
        typer.secho("error: liveness_provider is not vendor: nothing is queued", err=True)
        raise typer.Exit(1)
    worker = LivenessWorker(db, provider=provider, settings=settings, clock=clock)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop.set())
    try:
        totals = worker.run(max_scans=max_scans or None, once=once)
    finally:
        provider.close()
        db.engine.dispose()
    paused = ", ".join(f"{k} {v}" for k, v in sorted(totals.paused.items())) or "none"
    typer.echo(f"booked {totals.booked}, refused {totals.refused}, pauses: {paused}")


@app.command("status")
def status() -> None:
    """The queue's length and the contract's budget: scans used and left, the breaker."""
    from puerta.confirmation.vendor import provider_for

    settings, clock, db = common.settings(), common.clock(), common.database()
    provider = provider_for(settings, db=db, clock=clock)
    with db.read_only() as session:
        waiting = queue.waiting_count(session)
        snapshot = queue.snapshot_for(provider, session, settings)
    db.engine.dispose()
    now = clock.now()
    breaker = "open" if snapshot.open_for(now) else "closed"
    typer.echo(
        f"queue: {waiting} waiting; quota: {snapshot.state.used} used, {snapshot.remaining} left "
        f"of {snapshot.contract.quota}; rate: {settings.vendor_rate_per_second}/s; "
        f"breaker: {breaker} ({snapshot.state.failures} consecutive failures)"
    )


@app.command("fake-vendor")
def fake_vendor(
    port: int = typer.Option(8700, help="Loopback port to listen on."),
    rate: float = typer.Option(1.0, help="Scans a second it accepts (then 429)."),
    quota: int = typer.Option(400_000, help="Scans in all (then 403 quota_exhausted)."),
    latency: float = typer.Option(0.2, help="Seconds each scan takes."),
    failure_rate: float = typer.Option(0.0, help="Share of scans answered 503."),
    key: str = typer.Option("fake-vendor-key", help="The bearer key it expects."),
) -> None:
    """Run the fake liveness vendor on 127.0.0.1 for a demo (loopback only)."""
    fake = FakeVendor(
        rate=rate, quota=quota, latency=latency, failure_rate=failure_rate, api_key=key, port=port
    )
    typer.echo(
        f"fake liveness vendor on {fake.url}: {rate}/s, quota {quota}; set "
        f"PUERTA_LIVENESS_PROVIDER=vendor PUERTA_VENDOR_URL={fake.url} PUERTA_VENDOR_API_KEY={key}"
    )
    with contextlib.suppress(KeyboardInterrupt):
        fake.serve_forever()
    c = fake.counts
    typer.echo(f"received {c.received}, accepted {c.accepted}, 429 {c.rate_limited}")
