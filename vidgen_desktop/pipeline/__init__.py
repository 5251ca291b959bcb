"""Stage orchestration (no Qt): preflight → GPU hand-off → uploads → bind → job → take.

The GUI panels (inside a TaskRunner) and the CLI call the same functions, so a headless run and a
click in the window do exactly the same work. Names load on first use (PEP 562): the GUI imports
the light `types` at start-up, the ComfyUI client only when a job runs.
"""

from __future__ import annotations

from vidgen_desktop.core.lazy_exports import lazy_exports

_EXPORTS = {
    "PreflightFailed": "types",
    "StageOutcome": "types",
    "StageRequest": "types",
    "TimingStore": "timings",
    "check_workflow": "stage_job",
    "run_stage": "stage_job",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
