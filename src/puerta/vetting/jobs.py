"""The configured watch list as a long-running process keeps it: read again only when it changes.

The scheduler asks every pass. Reading the file and hashing it is cheap (a list
of tens of thousands of rows is a few megabytes); validating and indexing it is
not, so that happens once per version. An invalid file is never half-used: the
pass vets nothing, and the error is logged once per version of the file, naming
the row and column.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from puerta.errors import PuertaError
from puerta.vetting import watchlist
from puerta.vetting.watchlist import WatchList

log = logging.getLogger("puerta.vetting")


class ListCache:
    """The last good list read from each path, by version."""

    def __init__(self) -> None:
        self._lists: dict[str, WatchList] = {}
        self._audited: set[tuple[str, str]] = set()
        self._refused: dict[str, str] = {}
        self._lock = threading.Lock()

    def current(self, path: str | Path) -> WatchList:
        """The list as the file holds it now (loaded again when its content changed).

        Raises the file's coded error (logged once per version of the file).
        """
        key = str(path)
        with self._lock:
            try:
                data = watchlist.read(key)
            except PuertaError as exc:
                self._refuse(key, str(exc), exc)
                raise
            version = watchlist.version_of(data)
            held = self._lists.get(key)
            if held is not None and held.version == version:
                return held
            try:
                loaded = watchlist.from_bytes(data, key)
            except PuertaError as exc:
                self._refuse(key, version, exc)
                raise
            self._lists[key] = loaded
            self._refused.pop(key, None)
            return loaded

    def _refuse(self, key: str, version: str, exc: PuertaError) -> None:
        if self._refused.get(key) != version:
            log.error("the watch list %s is not used: %s", key, exc)
            self._refused[key] = version

    def needs_audit(self, watch_list: WatchList) -> bool:
        """True the first time this process uses this version of this list."""
        return (str(watch_list.path), watch_list.version) not in self._audited

    def audited(self, watch_list: WatchList) -> None:
        self._audited.add((str(watch_list.path), watch_list.version))


#: The process's cache (the scheduler's leader is one process per store).
CACHE = ListCache()
