#!/usr/bin/env bash
# Until the first release, the schema is one initial migration regenerated from the models.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/0001_initial.py
PUERTA_DATABASE_URL="sqlite:///$tmp/gen.sqlite3" .venv/bin/alembic revision --autogenerate -m initial --rev-id 0001 >/dev/null
.venv/bin/ruff format -q migrations
.venv/bin/ruff check -q --fix migrations || true
rm -rf "$tmp"
echo "regenerated migrations/versions/0001_initial.py"
