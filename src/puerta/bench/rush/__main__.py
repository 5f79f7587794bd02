"""``python -m puerta.bench.rush``: the load harness of issue 10."""

import sys

from puerta.bench.rush.harness import main

sys.exit(main())
