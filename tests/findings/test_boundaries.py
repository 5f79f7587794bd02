"""``puerta.findings`` never imports ``puerta.trends``: the analyses depend on the store.

The trend job writes through ``findings.service`` and the analyses return
``puerta.findings.value.Finding``; an import the other way would make the two
packages one. (An import-linter contract will enforce the same.)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import puerta.findings

FINDINGS = Path(puerta.findings.__file__).parent


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_findings_module_imports_trends() -> None:
    offenders = {
        path.name: sorted(i for i in _imports(path) if i.split(".")[:2] == ["puerta", "trends"])
        for path in sorted(FINDINGS.glob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_loading_findings_loads_no_trends_module() -> None:
    modules = sorted(p.stem for p in FINDINGS.glob("*.py") if p.stem != "__init__")
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module('puerta.findings.' + m)\n"
        "print(sorted(k for k in sys.modules if k.startswith('puerta.trends')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
