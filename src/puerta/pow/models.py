"""The proofs of work already spent, remembered until their challenge expires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from puerta.db import Base


class SpentChallenge(Base):
    """One solved challenge that opened a sign-up or a registration (``pow.service``).

    The nonce is the challenge's own (16 random bytes, hex) and the primary key, so a
    second use of the same solution meets the constraint on both backends, however many
    workers race. A row is needed only while its challenge could still be accepted: the
    scheduler deletes it once ``expires_at`` has passed.
    """

    __tablename__ = "pow_spent"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
