"""``python -m puerta.bench``: the draw benchmark (1,000,000 requests), the draw in the
service on PostgreSQL, the rush, then the liveness vendor at 32 confirmations a second.

``python -m puerta.bench draw``, ``... draw-service``, ``... rush`` or ``... vendor`` runs
one of them; the last two need PostgreSQL (``--database-url``), the rush also wrk.
Arguments after the name go to that benchmark.
"""

import sys

from puerta.bench import draw_bench, rush, service_draw, vendor

args = sys.argv[1:]
which = args.pop(0) if args and args[0] in ("draw", "draw-service", "rush", "vendor") else "all"
code = 0
if which in ("draw", "all"):
    draw_bench.main(args if which == "draw" else [])
if which in ("draw-service", "all"):
    code = service_draw.main(args if which == "draw-service" else [])
if which in ("rush", "all"):
    code = rush.main(args if which == "rush" else []) or code
if which in ("vendor", "all"):
    code = vendor.main(args if which == "vendor" else []) or code
sys.exit(code)
