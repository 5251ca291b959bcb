"""Where the recorded server transcripts live: tests/data/transcripts, inside the checkout.

A clone with nothing beside it must pass its tests, so the recordings the fakes replay are test
data of this repository (see tests/data/README.md for where each was recorded).
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TRANSCRIPTS = REPO_ROOT / "tests" / "data" / "transcripts"
