"""The database store's counters (``limits.store.DatabaseStore``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class LimitCounter(Base):
    """Hits of one key in one fixed window of a rule.

    ``key`` is the rule, its window and a keyed digest of what is counted (an address,
    a device), never the address or device itself. A row is read while its window is
    the current or the previous one; after ``expires_at`` nothing reads it and the
    sweep deletes it.
    """

    __tablename__ = "limit_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    #: The window's start, in whole seconds since the epoch.
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hits: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(index=True)
