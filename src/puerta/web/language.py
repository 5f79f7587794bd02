"""The reader's language on the web side, and rendering a message for them.

Choice order: the person's explicit choice (the ``puerta_lang`` cookie the
language chooser sets), then their account's language (put in the request's
scope by the sign-in check, :data:`ACCOUNT_LANGUAGE`), then the
``Accept-Language`` header, then the configured default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request

from puerta.i18n.message import Message
from puerta.i18n.translate import available_locales, negotiate, render, staff_locales

LANGUAGE_COOKIE = "puerta_lang"
#: The scope key under which the sign-in check leaves the account's language.
ACCOUNT_LANGUAGE = "puerta.account_language"


#: Pages for staff, served in the staff catalog's languages only (``staff_locales``).
STAFF_PATH = "/staff"


def is_staff_path(path: str) -> bool:
    return path == STAFF_PATH or path.startswith(STAFF_PATH + "/")


def locale_of(request: Request) -> str:
    """The reader's language among the catalogs the server has (see the module); on
    the staff pages, among the staff catalogs' (an officer whose browser asks for
    Russian reads English, not a page half in Russian)."""
    path = request.scope.get("path", "")
    available = staff_locales() if is_staff_path(path) else available_locales()
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in available:
        return chosen  # type: ignore[return-value]
    account = request.scope.get(ACCOUNT_LANGUAGE)
    if account:
        found = negotiate(account, available, "")
        if found in available and (found != "en" or account.lower().startswith("en")):
            return found
    settings = request.app.state.settings
    return negotiate(request.headers.get("accept-language"), available, settings.default_language)


def say(request: Request, message: Message, params: Mapping[str, Any] | None = None) -> str:
    """``message`` rendered for the person making ``request``."""
    return render(
        message, params, locale=locale_of(request), tz=request.app.state.settings.timezone
    )
