"""Where the recorded server transcripts live: ../shared beside the checkout (also in CI)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("VIDGEN_SHARED", REPO_ROOT.parent / "shared"))
TRANSCRIPTS = SHARED / "transcripts"
