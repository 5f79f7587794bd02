"""Languages: message markers, catalogs, negotiation and rendering at the edge.

Services never hold sentences in a person's language. They raise errors and
return values that carry a stable *code* and typed *parameters*; the edge (the
API's problem+json, the pages, the CLI, mail) renders them with
``render(message, params, locale=...)``, which looks the code up in the gettext
catalog of the negotiated language and formats dates, times and numbers with
Babel.
"""

from puerta.i18n.message import M, Message
from puerta.i18n.translate import render

__all__ = ["M", "Message", "render"]
