"""``python -m puerta.bench``: the draw benchmark (1,000,000 requests), then the rush.

``python -m puerta.bench draw`` or ``python -m puerta.bench rush`` runs one of
them; the rush needs PostgreSQL (``--database-url``) and wrk. Arguments after
the name go to that benchmark.
"""

import sys

from puerta.bench import draw_bench, rush

args = sys.argv[1:]
which = args.pop(0) if args and args[0] in ("draw", "rush") else "both"
if which in ("draw", "both"):
    draw_bench.main(args if which == "draw" else [])
if which in ("rush", "both"):
    sys.exit(rush.main(args if which == "rush" else []))
