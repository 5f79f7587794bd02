"""Apparent families take one path: the identity romaniser and skeleton, never a fallback."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

import pytest

import puerta
import puerta.trends
from puerta import names
from puerta.trends import families


def test_families_use_the_identity_romaniser_and_skeleton() -> None:
    # anyascii alone would give "HAROWT'YOWNYAN" and a metaphone key, not these.
    assert families.surname_tokens("Հարությունյան") == ("HARUTYUNYAN",)
    key = "~" + names.skeleton("harutyunyan")
    assert families.family_key("Harutyunyan") == families.family_key("Arutyunyan") == key
    assert families.count_families(["Հարությունյան", "Arutyunyan"]) == 1


class _BrokenNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``puerta.names`` and fails while executing it, as a bug inside it would."""

    def find_spec(self, fullname, _path, _target=None):  # type: ignore[no-untyped-def]
        if fullname == "puerta.names":
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, _spec):  # type: ignore[no-untyped-def]
        return None

    def exec_module(self, _module) -> None:  # type: ignore[no-untyped-def]
        raise ImportError("cannot import name 'something' from 'puerta.translit'")


def test_an_import_error_inside_names_propagates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "puerta.trends.families")
    monkeypatch.delitem(sys.modules, "puerta.names")
    monkeypatch.setattr(puerta.trends, "families", families)
    monkeypatch.delattr(puerta, "names")  # restored after the test
    monkeypatch.setattr(sys, "meta_path", [_BrokenNames(), *sys.meta_path])
    with pytest.raises(ImportError, match=r"puerta\.translit"):
        importlib.import_module("puerta.trends.families")
