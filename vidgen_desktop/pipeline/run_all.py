"""The ComfyUI stages run one after another, unattended (`vidgen run`, `vidgen run --from`, the
window's "Run remaining stages"), recorded in the ledger as one run so that a quit, a crash or a
power cut in the middle is continued by `vidgen resume` instead of starting over.

Each stage's request is built when its turn comes (the video needs the takes the voice and image
stages just made); the first failure stops the run and says which stage and why.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, InvalidInput, VidGenError
from vidgen_desktop.core.progress import ProgressCallback
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.pipeline.ledger import Ledger, RunRecord, ledger_for
from vidgen_desktop.pipeline.saved_inputs import saved_request, saved_workflow_name
from vidgen_desktop.pipeline.stage_job import choose_workflow, run_stage
from vidgen_desktop.pipeline.timings import TimingStore
from vidgen_desktop.pipeline.types import StageOutcome, StageRequest
from vidgen_desktop.workflow import Stage, Workflow

log = logging.getLogger(__name__)

STAGES = ("script", "voice", "image", "video")
COMFY_STAGES = ("voice", "image", "video")
PIPELINE_KIND = "pipeline"


class StageFailed(Exception):
    """The run stopped at this stage (the error says why; the stages before it are kept)."""

    def __init__(self, stage: str, error: VidGenError) -> None:
        super().__init__(f"{stage}: {error.message}")
        self.stage, self.error = stage, error

    @property
    def exit_code(self) -> int:
        """10 × stage number + the error's reason (see `vidgen run --help`); 130 cancelled."""
        if isinstance(self.error, Cancelled):
            return 130
        reason = self.error.exit_code if 0 < self.error.exit_code < 10 else 1
        return 10 * (STAGES.index(self.stage) + 1) + reason


def stages_from(first: str) -> list[str]:
    """The ComfyUI stages from `first` on (inclusive)."""
    if first not in COMFY_STAGES:
        raise InvalidInput(f"Cannot start at “{first}”: choose voice, image or video.")
    return list(COMFY_STAGES[COMFY_STAGES.index(first) :])


def stages_until(start: str | None, until: str | None) -> list[str]:
    """The ComfyUI stages this run goes through (none when it ends with the script)."""
    stages = stages_from(start or "voice")
    if until is None:
        return stages
    if until == "script":
        return []
    if until not in stages:
        raise InvalidInput(f"--until {until} comes before --from {start}: nothing would run.")
    return stages[: stages.index(until) + 1]


@dataclass
class StageHooks:
    """What the caller sees of each stage (the CLI prints headers and timings)."""

    report_for: Callable[[str], ProgressCallback]
    #: the workflow to use for a stage (None: the one the project last used, else the server's
    #: first usable)
    workflow_for: Callable[[str], Workflow | None] = lambda _stage: None
    #: the stage's request (None: from the project's saved inputs, pipeline.saved_inputs)
    request_for: Callable[[str, Workflow], StageRequest] | None = None
    started: Callable[[str, Workflow], None] = lambda _stage, _wf: None
    finished: Callable[[str, StageOutcome], None] = lambda _stage, _outcome: None


@dataclass
class PipelineRun:
    client: ComfyClient
    project: Project
    settings: Settings
    hooks: StageHooks
    token: CancelToken = field(default_factory=CancelToken)
    timings: TimingStore | None = None
    detach: threading.Event | None = None

    @property
    def ledger(self) -> Ledger:
        return ledger_for(self.project.root)

    def start(self, stages: list[str]) -> RunRecord:
        return self.ledger.add_run(
            RunRecord(
                kind=PIPELINE_KIND,
                stage="pipeline",
                server=self.client.base_url,
                spec={"stages": list(stages), "done": []},
            )
        )

    def run(self, stages: list[str]) -> dict[str, StageOutcome]:
        return self.go_on(self.start(stages))

    def go_on(self, record: RunRecord, already: set[str] | None = None) -> dict[str, StageOutcome]:
        """Run the record's stages not yet done (`already`: done some other way, e.g. a job
        re-attached by resume). Raises StageFailed at the first failure."""
        ledger = self.ledger
        done = [*record.spec.get("done", []), *sorted(already or ())]
        outcomes: dict[str, StageOutcome] = {}
        for stage in record.spec.get("stages", []):
            if stage in done:
                continue
            try:
                self.token.raise_if_cancelled()
                outcomes[stage] = self._stage(stage)
            except VidGenError as exc:
                from vidgen_desktop.comfy.errors import Detached

                if not isinstance(exc, Detached):  # a detached run is continued by resume
                    ledger.update_run(record.id, state="failed", error=f"{stage}: {exc.message}")
                raise StageFailed(stage, exc) from exc
            done.append(stage)
            record.spec = dict(record.spec, done=done)
            ledger.update_run(record.id, spec=record.spec)
        ledger.update_run(record.id, state="done")
        return outcomes

    def _stage(self, stage: str) -> StageOutcome:
        hooks = self.hooks
        wf = hooks.workflow_for(stage) or choose_workflow(
            Stage(stage),
            None,
            saved_workflow_name(self.project, stage) or self.settings.workflows.get(stage, ""),
            self.client,
        )
        hooks.started(stage, wf)
        request = (
            hooks.request_for(stage, wf)
            if hooks.request_for is not None
            else saved_request(self.project, stage, wf)
        )
        outcome = run_stage(
            self.client,
            self.project,
            request,
            hooks.report_for(stage),
            self.token,
            settings=self.settings,
            timings=self.timings,
            ledger=self.ledger,
            detach=self.detach,
        )
        hooks.finished(stage, outcome)
        return outcome


def open_pipelines(ledger: Ledger) -> list[RunRecord]:
    """Unattended runs a quit or a crash interrupted (resume continues them)."""
    return [r for r in ledger.open_runs("pipeline") if r.kind == PIPELINE_KIND]


def next_stage(record: RunRecord, already: set[str] | None = None) -> str | None:
    done = set(record.spec.get("done", [])) | (already or set())
    return next((s for s in record.spec.get("stages", []) if s not in done), None)
