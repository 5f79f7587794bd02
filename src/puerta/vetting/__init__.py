"""Pre-arrival vetting: each confirmed traveler checked against records before arrival.

``records.py`` is the interface (``RecordSource``) and its values, ``compare.py``
and ``decide.py`` the pure matching, ``watchlist.py`` the default adapter (a
configurable CSV or Parquet file), ``service.py`` the runs that store
``vetting_results``, ``results.py`` and ``messages.py`` what officers read.
A result guides the interview; nothing here cancels or changes an appointment.
"""
