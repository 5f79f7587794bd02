"""``python -m puerta.bench`` (``make bench``): the draw benchmark, 1,000,000 requests."""

from puerta.bench.draw_bench import main

main()
