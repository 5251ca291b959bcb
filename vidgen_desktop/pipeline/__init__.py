"""Stage orchestration (no Qt): preflight → GPU hand-off → uploads → bind → job → take.

The GUI panels (inside a TaskRunner) and the CLI call the same functions, so a headless run and a
click in the window do exactly the same work. Names load on first use (PEP 562): the GUI imports
the light `types` at start-up, the ComfyUI client only when a job runs.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "PreflightFailed": "types",
    "StageOutcome": "types",
    "StageRequest": "types",
    "StepRates": "step_rates",
    "check_workflow": "stage_job",
    "run_stage": "stage_job",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
