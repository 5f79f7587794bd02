"""``puerta trends``: the cross-port analysis, its findings, briefings and reports."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer

from puerta.cli import common

app = typer.Typer(help="Cross-port trend analysis.", no_args_is_help=True)


def _say(message: str) -> None:
    typer.echo(message, err=True)


@app.command("run")
def run(
    source: Path = typer.Option(None, "--from", help="Analyse a data set instead of the store."),
    known: Path = typer.Option(None, help="CSV of known shelter and sponsor addresses."),
    known_contacts: Path = typer.Option(
        None,
        "--known-contacts",
        help="CSV (kind,value,label) of phones, e-mails and addresses shared by design "
        "(default: the known_contacts_path setting).",
    ),
    identity: bool = typer.Option(True, help="Resolve identities with Splink (slowest step)."),
    faces: bool = typer.Option(
        True, help="Encode registered photos not yet encoded first (about 0.3 s each)."
    ),
) -> None:
    """Analyse all registrations across ports and write the findings (re-runs update)."""
    from puerta.trends import job

    db = common.database()
    settings = common.settings()
    try:
        if faces and source is None:
            from puerta.faces import jobs as face_jobs
            from puerta.faces.matcher import DlibMatcher
            from puerta.registration.photos import FileSystemPhotoStore

            _say("encoding registered photos")
            with db.read_only() as session:
                from puerta.faces import service as faces_service

                pending = faces_service.photos_to_encode(session, limit=10**9)
            face_jobs.encode_photos(
                db,
                pending,
                matcher=DlibMatcher(),
                photos=FileSystemPhotoStore(settings.photo_dir),
                clock=common.clock(),
            )
            _say(f"{len(pending)} photos encoded")
        result, counts = job.run(
            db,
            clock=common.clock(),
            source=source,
            known_path=known,
            known_contacts_path=known_contacts or settings.known_contacts_path,
            with_identity=identity,
            face_threshold=settings.face_match_threshold,
            progress=_say,
        )
    finally:
        db.engine.dispose()
    for kind, n in sorted(result.counts.items()):
        typer.echo(f"{kind}: {n:,}")
    typer.echo(
        f"findings: {counts.created:,} new, {counts.updated:,} updated, "
        f"{counts.unchanged:,} unchanged"
    )


@app.command("briefing")
def briefing(
    port: str = typer.Option(..., help="Port code."),
    date: datetime = typer.Option(..., formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD)."),
    out: Path = typer.Option(Path("."), help="Directory for briefing-PORT-DATE.md/.json."),
    language: str = typer.Option(
        None, help="Language of the explanations (default: the default_language setting)."
    ),
) -> None:
    """Write a port's 72-hour briefing (Markdown and JSON)."""
    from puerta.findings import briefing as briefing_mod
    from puerta.ports import service as ports_service

    settings = common.settings()
    locale, tz = language or settings.default_language, settings.timezone
    with common.unit_of_work() as session:
        code = ports_service.get_port(session, port).code
        built = briefing_mod.build(session, port_code=code, start=date.date())
        out.mkdir(parents=True, exist_ok=True)
        stem = out / f"briefing-{code}-{date.date().isoformat()}"
        markdown = briefing_mod.to_markdown(built, locale=locale, tz=tz)
        stem.with_suffix(".md").write_text(markdown, encoding="utf-8")
        stem.with_suffix(".json").write_text(
            json.dumps(built.to_json(locale=locale, tz=tz), indent=2, ensure_ascii=False),
            encoding="utf-8",
        )
    typer.echo(f"{len(built.arrivals)} arrivals, {len(built.flagged)} with findings: {stem}.md")


@app.command("export")
def export(path: Path = typer.Argument(..., help="JSON Lines file to write.")) -> None:
    """Write every finding as JSON Lines (docs/data-formats.md, 'Findings')."""
    from puerta.findings import service as findings_service

    with common.unit_of_work() as session:
        n = findings_service.export_jsonl(session, path)
    typer.echo(f"wrote {n:,} findings to {path}")


@app.command("report")
def report(
    oig: bool = typer.Option(False, "--oig", help="Rebuild the report's Tables 2 and 3."),
    source: Path = typer.Option(None, "--from", help="A data set instead of the store."),
) -> None:
    """Rebuild the report's tables from the data, beside the published figures."""
    from puerta.trends import job, oig_tables

    if not oig:
        raise typer.BadParameter("only --oig is available", param_hint="--oig")
    manifest: dict = {}
    if source:
        raw = job.load_source(source)
        mf = (source if source.is_dir() else source.parent) / "manifest.json"
        if mf.exists():
            manifest = json.loads(mf.read_text())
    else:
        db = common.database()
        try:
            raw = job.load_store(db)
        finally:
            db.engine.dispose()
    result = job.analyse(raw, progress=_say)
    typer.echo(
        oig_tables.format_report(
            oig_tables.table2(result.frame),
            oig_tables.table3(result.addresses),
            oig_tables.unrelated_share(result.addresses),
            profile=manifest.get("profile"),
            scale=float(manifest.get("scale", 1.0)),
            addresses=oig_tables.table3_addresses(result.addresses),
        )
    )


@app.command("evaluate")
def evaluate(
    data: Path = typer.Option(None, help="A `puerta synth` directory with truth.parquet."),
    febrl: bool = typer.Option(True, help="Also score identity resolution on FEBRL3/FEBRL4."),
    out: Path = typer.Option(None, help="Write the metrics as JSON here."),
    known_contacts: Path = typer.Option(
        None,
        "--known-contacts",
        help="CSV of contacts shared by design (default: the data set's shared_contacts.csv).",
    ),
) -> None:
    """Score the findings against the planted truth (and FEBRL), print the metrics and targets.

    Exits with status 1 when a target is missed, so a script or CI can rely on it.
    """
    import resource

    from puerta.trends import evaluate as evaluate_mod
    from puerta.trends import evaluate_identity, targets

    metrics: dict = {}
    resolved: list = []
    # Identity first: the patterns are scored on resolved persons, as `trends run` gives them.
    metrics["identity"] = evaluate_identity.main(data, febrl=febrl, persons_sink=resolved.append)
    if data:
        metrics["patterns"] = evaluate_mod.evaluate_dataset(
            data, known_contacts=known_contacts, persons=resolved[0]
        )
    if data:
        identity_seconds = sum(metrics["identity"]["synthetic"]["seconds"].values())
        metrics["analysis"] = {
            "seconds": round(metrics["patterns"]["seconds"]["total"] + identity_seconds, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    text = json.dumps(metrics, indent=2, default=str)
    if out:
        out.write_text(text)
    typer.echo(text)
    checked = targets.check(metrics)
    typer.echo(targets.report(checked))
    if not targets.all_met(checked):
        raise typer.Exit(1)
