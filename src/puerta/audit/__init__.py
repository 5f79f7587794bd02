"""Who read or changed what: one append-only record of staff reads and decisions."""
