"""Answers kept in this process's memory under the state they were worked out for.

For answers that cost milliseconds to work out on every page and change rarely: the key names
everything the answer depends on, so an answer is reused only where it would come out the same.
Entries live `seconds` at most, and beyond `entries` the least recently made go first.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class ProcessMemo:
    def __init__(self, *, seconds: float, entries: int, clock: Callable[[], float] = time.monotonic):
        self._seconds, self._entries, self._clock = seconds, entries, clock
        self._answers: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()  # pages of one process may render on several threads

    def get(self, key: Hashable):
        """The answer kept for `key` less than `seconds` ago, or None."""
        with self._lock:
            made_at, answer = self._answers.get(key, (None, None))
            if made_at is None or self._clock() - made_at >= self._seconds:
                return None
            return answer

    def put(self, key: Hashable, answer) -> None:
        with self._lock:
            self._answers.pop(key, None)
            self._answers[key] = (self._clock(), answer)
            while len(self._answers) > self._entries:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
