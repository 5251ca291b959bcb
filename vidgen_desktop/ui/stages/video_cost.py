"""The Video stage's "Before you render" box: the plan, the time estimate from earlier runs on
this machine (and how far off past estimates were), and what a draft would cost. The timings are
read off the GUI thread, once per workflow and server (again after each finished run)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from vidgen_desktop.pipeline.timings import RunTiming, TimingStore
from vidgen_desktop.pipeline.video_plan import VideoReport
from vidgen_desktop.workers.runner import TaskRunner


class TimingsCache(QObject):
    """Runs of each (workflow, server), read in a worker; `loaded` says when new ones arrive."""

    loaded = Signal()

    def __init__(self, store: Callable[[], TimingStore], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.runs: dict[tuple[str, str], list[RunTiming]] = {}
        self.runner = TaskRunner("video-timings", self)
        self.runner.succeeded.connect(self._loaded)

    def get(self, workflow: str, server: str) -> list[RunTiming]:
        return self.runs.get((workflow, server), [])

    def load(self, workflow: str, server: str, fresh: bool = False) -> None:
        if (fresh or (workflow, server) not in self.runs) and not self.runner.is_running():
            store = self.store()
            self.runner.start(lambda _r, _t: ((workflow, server), store.runs(workflow, server)))

    def _loaded(self, result: tuple[tuple[str, str], list[RunTiming]]) -> None:
        key, runs = result
        self.runs[key] = runs
        self.loaded.emit()

    def shutdown(self) -> None:
        self.runner.shutdown(5000)


def cost_text(full: VideoReport, draft: VideoReport) -> str:
    plan = full.plan
    chunk_word = "chunk" if plan.chunks == 1 else "chunks"
    lines = [
        f"{plan.chunks} {chunk_word} of {plan.chunk_frames} frames → {plan.frames} frames at "
        f"{plan.fps:g} fps ({plan.seconds:g} s)",
        f"{plan.total_steps} sampler steps ({plan.chunks} × {plan.steps_per_chunk})"
        + (" with the 4-step LoRA" if full.lora else ""),
        f"Estimated time: {full.estimate.sentence()}.",
    ]
    if full.accuracy:
        lines.append(full.accuracy)
    if draft.estimate.seconds is not None:
        when = draft.estimate.sentence()
    else:
        when = "minutes, not hours"
    size = f"{draft.shape.width}×{draft.shape.height}, " if draft.shape.width else ""
    lines.append(f"Draft (first chunk, {size}4-step LoRA): {when}.")
    return "\n".join(lines)
