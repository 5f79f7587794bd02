"""The journey: use cases that span the steps, on top of them all.

A registration moves through requests, the draw and confirmation; each of
those packages knows only the steps before it. What needs the later steps
too lives here: where a registration stands (``status``), withdrawing it
with everything it holds (``withdraw``), editing travelers only while no
appointment is booked (``editing``) and asking for an appointment only while
no offer or appointment stands (``requesting``). ``import-linter`` keeps the
direction (``pyproject.toml``).
"""
