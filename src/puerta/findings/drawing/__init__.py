"""The findings' evidence drawn as SVG on the server: a map, a timeline, a ring's graph.

Why on the server and by hand: the workbench must work without JavaScript, and
with no tile server or chart library to trust and update; a few hundred lines of
Python that turn plain values into SVG text are easy to test (``xml.etree``
parses every drawing in the tests) and give the same bytes for the same input.

Every module here is pure: plain values in (numbers, labels already in the
reader's language), a string of SVG out. Each drawing carries ``role="img"``, an
``aria-label`` and a ``<title>``; the page shows the same numbers in a table
beside it, so nothing is said by the picture alone, nor by colour alone (ports
are circles, the destination a square, links dashed by kind).
"""
