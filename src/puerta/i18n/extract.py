"""Extracting the catalog template (``messages.pot``) from the source.

Every message is marked in the code (``M(code, text)``, and the gettext
functions templates will use); extraction finds them with Babel, the code
becoming the gettext context. The template is committed so translators (and
their PO editors) work from it; a test fails when it is out of date.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from puerta import __version__
from puerta.i18n.translate import LOCALES_DIR

PACKAGE_DIR = Path(__file__).resolve().parents[1]
TEMPLATE = LOCALES_DIR / "messages.pot"
#: The staff pages' catalog (officers, analysts, admins): served in English and the
#: languages that have a ``staff.po`` (Spanish), not in every applicant language.
STAFF_TEMPLATE = LOCALES_DIR / "staff.pot"
STAFF_DOMAIN = "staff"
#: What belongs to the staff catalog: coded messages whose code starts so (the names of
#: the states only staff see, an arrival's and a disposition's, among them), and the
#: plain strings that only the staff pages' templates use.
STAFF_CODE_PREFIXES = (
    "staff.",
    "term.ArrivalStatus.",
    "term.Disposition.",
    "term.noun.arrival",
    "term.noun.disposition",
)
STAFF_TEMPLATES = "puerta/web/templates/staff/"
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


def _empty() -> Catalog:
    return Catalog(
        project="Puerta",
        version=__version__,
        copyright_holder="The Puerta contributors",
        msgid_bugs_address="",
        charset="utf-8",
        fuzzy=False,
    )


def extract_all() -> Catalog:
    """Every message of the package's source, both domains together."""
    catalog = _empty()
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


def is_staff(message: Message) -> bool:
    """Whether a message belongs to the staff catalog: a staff code
    (``STAFF_CODE_PREFIXES``), or a plain string used only by staff templates (one an
    applicant page also uses stays in the applicants' catalog, in every language)."""
    if message.context:
        return message.context.startswith(STAFF_CODE_PREFIXES)
    return bool(message.locations) and all(
        path.startswith(STAFF_TEMPLATES) for path, _ in message.locations
    )


def split(catalog: Catalog) -> dict[str, Catalog]:
    """The applicants' catalog (``messages``) and the staff catalog (``staff``)."""
    out = {"messages": _empty(), STAFF_DOMAIN: _empty()}
    for m in catalog:
        if not m.id:
            continue
        target = out[STAFF_DOMAIN] if is_staff(m) else out["messages"]
        target.add(
            m.id,
            locations=m.locations,
            auto_comments=m.auto_comments,
            context=m.context,
            flags=m.flags,
        )
    return out


def extract(domain: str = "messages") -> Catalog:
    """A fresh template catalog of ``domain`` from the package's source."""
    return split(extract_all())[domain]


TEMPLATES = {"messages": TEMPLATE, STAFF_DOMAIN: STAFF_TEMPLATE}


def render_template(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, omit_header=False, sort_by_file=True, width=100, no_location=False)
    return buf.getvalue()


def entries(catalog: Catalog) -> set[tuple[str | None, str]]:
    """(context, msgid) of every message: what a template change is judged on."""
    return {(m.context, str(m.id)) for m in catalog if m.id}


def write_templates() -> dict[str, int]:
    """Write ``messages.pot`` and ``staff.pot``; returns how many messages each holds."""
    counts = {}
    for domain, catalog in split(extract_all()).items():
        path = TEMPLATES[domain]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_template(catalog))
        counts[domain] = len(entries(catalog))
    return counts


def read_template(path: Path = TEMPLATE) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def _flags(message: object, filename: str) -> tuple[str, ...]:
    """How placeholders are written: ``{name}`` in the code, ``%(name)s`` in templates."""
    text = " ".join(message) if isinstance(message, tuple) else str(message)
    if filename.endswith(".html"):
        return ("python-format",) if "%(" in text else ()
    return ("python-brace-format",) if "{" in text else ()
