"""Progress of a run, line by line on stderr: what started, what finished, what still runs."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

#: How a finished notebook's status reads in a progress line (other statuses as they are).
_FINISHED_WORDS = {"ok": "done", "failed": "FAILED"}


class Progress:
    """Line-by-line progress on stderr: what started, what finished, what is still running."""

    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True):
        self.total = total
        self.done = 0
        self.running: list[str] = []
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._lock = threading.Lock()

    def _emit(self, line: str) -> None:
        if self.enabled:
            print(line, file=self.stream, flush=True)

    def start(self, label: str) -> None:
        with self._lock:
            self.running.append(label)
            self._emit(f"[{self.done}/{self.total}] running {label}  (now running: {', '.join(self.running)})")

    def finish(self, label: str, status: str, seconds: float) -> None:
        with self._lock:
            if label in self.running:
                self.running.remove(label)
            self.done += 1
            word = _FINISHED_WORDS.get(status, status)
            still = f"  (still running: {', '.join(self.running)})" if self.running else ""
            self._emit(f"[{self.done}/{self.total}] {word} {label} in {seconds:.1f}s{still}")

    def note(self, line: str) -> None:
        with self._lock:
            self._emit(line)
