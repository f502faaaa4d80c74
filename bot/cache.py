"""What a tracker looks like, computed once per change: /status texts, digest states, charts.

Entries are keyed by the tracker's *version* (``storage.trackers.tracker_version``), read from
the database in the same transaction as the request: a report, an undo, a correction, a
workstream or deadline change — made by this instance or any other sharing the database —
changes the version, and the next read computes afresh. Nothing needs to be told about a
write, so there is nothing to invalidate across instances and no entry can be stale; a
thousand chats asking after one report compute it once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

MAX_TRACKERS = 512  # trackers whose views are kept (least recently used dropped first)


class TrackerCache:
    """Per tracker: the version its entries belong to, and the entries."""

    def __init__(self, max_trackers: int = MAX_TRACKERS) -> None:
        self.max_trackers = max_trackers
        self._trackers: OrderedDict[int, tuple[object, dict[Hashable, object]]] = OrderedDict()
        # Database threads read and fill it; a lock keeps the LRU bookkeeping consistent.
        self._lock = threading.Lock()
        self.computed = 0  # entries computed (not served from the cache), for tests and logs

    def get(self, tracker_id: int, version: object, key: Hashable, compute: Callable[[], T]) -> T:
        """The entry ``key`` of this tracker at ``version``, computing it when missing."""
        with self._lock:
            held = self._trackers.get(tracker_id)
            if held is not None and held[0] == version and key in held[1]:
                self._trackers.move_to_end(tracker_id)
                return held[1][key]  # type: ignore[return-value]
        value = compute()  # outside the lock: two threads may compute it, never wrongly
        self.put(tracker_id, version, key, value)
        return value

    def put(self, tracker_id: int, version: object, key: Hashable, value: object) -> None:
        with self._lock:
            held = self._trackers.get(tracker_id)
            if held is None or held[0] != version:
                held = (version, {})
                self._trackers[tracker_id] = held
            held[1][key] = value
            self._trackers.move_to_end(tracker_id)
            while len(self._trackers) > self.max_trackers:
                self._trackers.popitem(last=False)
            self.computed += 1

    def peek(self, tracker_id: int, version: object, key: Hashable) -> object | None:
        """The entry if present at this version, else None (never computes): for a value
        made after the transaction that read the version (a chart, a /status overview)."""
        with self._lock:
            held = self._trackers.get(tracker_id)
            if held is not None and held[0] == version:
                return held[1].get(key)
        return None
