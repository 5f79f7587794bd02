"""The throwaway PostgreSQL instance of ``pg.py``, as a fixture of the fault tests."""

from tests.faults.pg import throwaway_postgres

__all__ = ["throwaway_postgres"]
