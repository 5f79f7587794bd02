"""The reader's language on the web side, and rendering a message for them.

Choice order today: the ``Accept-Language`` header, then the configured
default. (The person's explicit choice and their account's language come
first once the pages offer them.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request

from puerta.i18n.message import Message
from puerta.i18n.translate import available_locales, negotiate, render


def locale_of(request: Request) -> str:
    """The negotiated language among the catalogs the server has."""
    settings = request.app.state.settings
    return negotiate(
        request.headers.get("accept-language"), available_locales(), settings.default_language
    )


def say(request: Request, message: Message, params: Mapping[str, Any] | None = None) -> str:
    """``message`` rendered for the person making ``request``."""
    return render(
        message, params, locale=locale_of(request), tz=request.app.state.settings.timezone
    )
