"""Stress a synthetic data set with the shared-contact error classes of issue 13.

Until the generator plants them itself: three aid-organisation contacts given by
40, 90 and 200 unrelated households (two phones, one e-mail; ``truth.service_contact_id``),
phones written as ``+52 ...``, ``52 1 ...`` or the ten national digits, e-mails in
capitals or with a ``+tag``, and every planted burst rotated over three devices.

    python scripts/augment_shared_contacts.py /tmp/base01 /tmp/rings-aug2
    python -m puerta.trends.evaluate /tmp/rings-aug2
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import polars as pl

SIZES = {"+526646001000": 40, "+526566002000": 90, "ayuda@casamigrante.org": 200}


def main(src: Path, out: Path, seed: int = 7) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("shelters.csv", "manifest.json", "locations.parquet"):
        if (src / name).exists():
            shutil.copy(src / name, out / name)
    d = pl.read_parquet(src / "registrations.parquet")
    t = pl.read_parquet(src / "truth.parquet")
    rng = np.random.default_rng(seed)
    planted = (
        pl.col("ring_id").is_null()
        & pl.col("burst_id").is_null()
        & pl.col("coalition_id").is_null()
    )
    plain = t.filter(planted & (pl.col("traveler_index") == 0))["registration_id"]
    chosen = rng.choice(plain.unique().sort().to_list(), size=sum(SIZES.values()), replace=False)
    owners, start = {}, 0
    for value, n in SIZES.items():
        owners |= dict.fromkeys(chosen[start : start + n], value)
        start += n
    svc = pl.DataFrame({"registration_id": list(owners), "svc": list(owners.values())})
    owner = pl.col("traveler_index") == 0
    d = d.join(svc, on="registration_id", how="left").with_columns(
        phone=pl.when(owner & pl.col("svc").str.starts_with("+")).then("svc").otherwise("phone"),
        email=pl.when(owner & pl.col("svc").str.contains("@")).then("svc").otherwise("email"),
    )
    form = pl.Series("form", rng.integers(0, 3, d.height))
    mx, nat = pl.col("phone").str.starts_with("+52"), pl.col("phone").str.slice(3)
    old = pl.concat_str(
        [
            pl.lit("52 1 "),
            nat.str.slice(0, 3),
            pl.lit(" "),
            nat.str.slice(3, 3),
            pl.lit(" "),
            nat.str.slice(6),
        ]
    )
    d = d.with_columns(form).with_columns(
        phone=pl.when(mx & (pl.col("form") == 1))
        .then(old)
        .when(mx & (pl.col("form") == 2))
        .then(nat)
        .otherwise("phone"),
        email=pl.when(pl.col("form") == 1)
        .then(pl.col("email").str.to_uppercase())
        .when(pl.col("form") == 2)
        .then(pl.col("email").str.replace("@", "+x@"))
        .otherwise("email"),
    )
    bursts = t.filter(pl.col("burst_id").is_not_null() & (pl.col("traveler_index") == 0))
    rotate = (
        bursts.select("registration_id", "burst_id")
        .unique()
        .with_columns(
            dev=pl.concat_str(
                [
                    pl.lit("rot-"),
                    "burst_id",
                    pl.lit("-"),
                    (pl.int_range(pl.len()).over("burst_id") % 3).cast(pl.String),
                ]
            )
        )
    )
    d = (
        d.join(rotate.select("registration_id", "dev"), on="registration_id", how="left")
        .with_columns(device_id=pl.coalesce("dev", "device_id"))
        .drop("svc", "form", "dev")
    )
    d.write_parquet(out / "registrations.parquet")
    t.join(svc, on="registration_id", how="left").rename(
        {"svc": "service_contact_id"}
    ).write_parquet(out / "truth.parquet")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
