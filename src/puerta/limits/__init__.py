"""Caps shared by every worker and machine: "hit this key under this rule; allowed? if not,
in how many seconds?".

- ``rules.py`` (pure): a :class:`~puerta.limits.rules.Rule` (a name, a count, a window),
  read from a setting such as ``"100/hour;1000/day"``; the sliding-window arithmetic of
  the database store.
- ``store.py``: the one interface, :class:`~puerta.limits.store.LimitStore`, and its two
  backends: the database (the default; one table, ``limit_counters``) and Redis when
  ``redis_url`` is set (the ``limits`` library's moving window), which falls back to the
  database while Redis cannot be reached.
- ``caps.py``: the caps themselves, per client address and per device, on sign-ups,
  registrations and the public "Is this appointment real?" check, raised as coded errors
  (``429`` with ``Retry-After``).

Only the door is capped (sign-up, creating a registration, the check): the rush's hot
path (asking, status) takes no limit and so no extra round trip.
"""
