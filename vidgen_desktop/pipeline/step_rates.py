"""Measured seconds per sampler step, per workflow, on this machine.

A video estimate is only honest once we have run that workflow here; before that the app says
"unknown". Stored as a small JSON file in the per-user data dir.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from vidgen_desktop.core.atomic import write_text_atomic

log = logging.getLogger(__name__)


class StepRates:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def _read(self) -> dict[str, float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: float(v) for k, v in data.items() if isinstance(v, int | float) and v > 0}

    def get(self, workflow_name: str) -> float | None:
        with self._lock:
            return self._read().get(workflow_name)

    def record(self, workflow_name: str, seconds: float, steps: int) -> float | None:
        """Store seconds/step of a finished run (model loading included: that is what users wait)."""
        if steps <= 0 or seconds <= 0:
            return None
        rate = seconds / steps
        with self._lock:
            data = self._read()
            data[workflow_name] = rate
            try:
                write_text_atomic(self.path, json.dumps(data, indent=2))
            except Exception as exc:  # a rate we cannot store is not worth failing a job for
                log.warning("could not store step rate: %s", exc)
        return rate
