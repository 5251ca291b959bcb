"""Stage orchestration (no Qt): preflight → GPU hand-off → uploads → bind → job → take.

The GUI panels (inside a TaskRunner) and the CLI call the same functions, so a headless run and a
click in the window do exactly the same work.
"""

from vidgen_desktop.pipeline.stage_job import (
    PreflightFailed,
    StageOutcome,
    StageRequest,
    check_workflow,
    run_stage,
)
from vidgen_desktop.pipeline.step_rates import StepRates

__all__ = [
    "PreflightFailed",
    "StageOutcome",
    "StageRequest",
    "StepRates",
    "check_workflow",
    "run_stage",
]
