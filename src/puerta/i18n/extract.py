"""Extracting the catalog template (``messages.pot``) from the source.

Every message is marked in the code (``M(code, text)``, and the gettext
functions templates will use); extraction finds them with Babel, the code
becoming the gettext context. The template is committed so translators (and
their PO editors) work from it; a test fails when it is out of date.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from puerta import __version__
from puerta.i18n.translate import LOCALES_DIR

PACKAGE_DIR = Path(__file__).resolve().parents[1]
TEMPLATE = LOCALES_DIR / "messages.pot"
KEYWORDS = {**DEFAULT_KEYWORDS, "M": ((1, "c"), 2)}
#: The pages' templates (``{% trans %}``, ``_()``: plain gettext, the English text as
#: the id) and the code (``M(code, text)``: the code as the context).
METHODS = [("**.py", "python"), ("web/templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {
    "web/templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
        "newstyle_gettext": "true",
    }
}


def extract() -> Catalog:
    """A fresh template catalog from the package's source."""
    catalog = Catalog(
        project="Puerta",
        version=__version__,
        copyright_holder="The Puerta contributors",
        msgid_bugs_address="",
        charset="utf-8",
        fuzzy=False,
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE_DIR, METHODS, OPTIONS, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        catalog.add(
            message,
            locations=[(f"puerta/{filename}", lineno)],
            auto_comments=comments,
            context=context,
            flags=_flags(message, filename),
        )
    return catalog


def render_template(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, omit_header=False, sort_by_file=True, width=100, no_location=False)
    return buf.getvalue()


def entries(catalog: Catalog) -> set[tuple[str | None, str]]:
    """(context, msgid) of every message: what a template change is judged on."""
    return {(m.context, str(m.id)) for m in catalog if m.id}


def write_template(path: Path = TEMPLATE) -> int:
    """Write ``messages.pot``; returns how many messages it holds."""
    catalog = extract()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_template(catalog))
    return len(entries(catalog))


def read_template(path: Path = TEMPLATE) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def _flags(message: object, filename: str) -> tuple[str, ...]:
    """How placeholders are written: ``{name}`` in the code, ``%(name)s`` in templates."""
    text = " ".join(message) if isinstance(message, tuple) else str(message)
    if filename.endswith(".html"):
        return ("python-format",) if "%(" in text else ()
    return ("python-brace-format",) if "{" in text else ()
