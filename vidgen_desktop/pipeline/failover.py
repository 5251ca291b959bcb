"""A stage on "automatic": it runs on a healthy server that can run its workflow, and when that
server goes away for longer than the re-attach window (or turns out not to have a model), the
work moves to another one.

The chunks of one video stay on one server while it lives (each starts from the one before);
the finished chunks are in the project, so a render that moves continues from the first chunk
it does not have. The jobs left on the server that went away are marked "moved" in the ledger:
nothing re-attaches to them later, and nothing is sent twice to a live server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import ServerUnavailable, VidGenError
from vidgen_desktop.core.progress import Progress, ProgressCallback
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.settings import AUTOMATIC, Settings
from vidgen_desktop.pipeline.ledger import Ledger, ledger_for
from vidgen_desktop.pipeline.servers import ServerHealth, check_all, pick_server
from vidgen_desktop.pipeline.stage_job import run_stage
from vidgen_desktop.pipeline.timings import TimingStore
from vidgen_desktop.pipeline.types import PreflightFailed, StageOutcome, StageRequest

log = logging.getLogger(__name__)

#: url → the client of that server (one per server: a job is followed where it was sent)
ClientFor = Callable[[str], ComfyClient]
#: the servers' health, asked fresh (the ones already given up on are left out by the caller)
HealthCheck = Callable[[], list[ServerHealth]]


def run_stage_anywhere(
    client_for: ClientFor,
    project: Project,
    request: StageRequest,
    report: ProgressCallback,
    token: CancelToken,
    *,
    settings: Settings,
    server: str,
    timings: TimingStore | None = None,
    add_to_project: bool = True,
    ledger: Ledger | None = None,
    detach: threading.Event | None = None,
    check: HealthCheck | None = None,
) -> StageOutcome:
    """run_stage on `server`; on "automatic", moved to another server when this one goes away
    or cannot run the workflow. Raises what the last server raised when none is left."""
    ledger = ledger or ledger_for(project.root)
    automatic = settings.pinned_server(request.stage) == AUTOMATIC
    tried: list[str] = []
    check = check or _checker(settings, request)
    while True:
        try:
            return run_stage(
                client_for(server),
                project,
                request,
                report,
                token,
                settings=settings.with_servers(comfyui=server),
                timings=timings,
                add_to_project=add_to_project,
                ledger=ledger,
                detach=detach,
            )
        except (ServerUnavailable, PreflightFailed) as exc:
            if not automatic or (detach is not None and detach.is_set()):
                raise
            token.raise_if_cancelled()
            tried.append(server.rstrip("/"))
            healths = check()
            nxt = pick_server(healths, request.stage, request.workflow.name, exclude=tried)
            if nxt is None:
                raise
            why = _why(exc, server, settings)
            moved = mark_moved(ledger, request.stage, server, nxt.url)
            kept = _kept(ledger, request.stage)
            log.warning("%s Moving %s to %s (%d jobs moved).", why, request.stage, nxt.url, moved)
            report(
                Progress(
                    None,
                    f"{why} Continuing on {nxt.name}{kept}.",
                    kind="warning",
                    extra={"moved_to": nxt.url},
                )
            )
            server = nxt.url


def mark_moved(ledger: Ledger, stage: str, server: str, to: str) -> int:
    """The unfinished jobs of `stage` on `server` are given up: the work goes on at `to`."""
    key = server.rstrip("/")
    moved = 0
    for job in ledger.unfinished():
        if job.stage == stage and job.server.rstrip("/") == key:
            ledger.update(job.prompt_id, "moved", error=f"continued on {to}")
            moved += 1
    for run in ledger.open_runs(stage):
        if run.server.rstrip("/") == key:
            ledger.update_run(run.id, server=to.rstrip("/"))
    return moved


def _why(exc: VidGenError, server: str, settings: Settings) -> str:
    name = settings.server_label(server)
    if isinstance(exc, PreflightFailed):
        return f"{name} cannot run “{exc.workflow.name}” ({exc.problems[0].message})."
    return f"{name} went away and did not come back within {settings.reattach_window_s:.0f} s."


def _kept(ledger: Ledger, stage: str) -> str:
    runs = ledger.open_runs(stage)
    done = max((len(r.chunk_files) for r in runs), default=0)
    if not done:
        return ""
    return (
        " (its finished chunk is kept)" if done == 1 else f" (its {done} finished chunks are kept)"
    )


def _checker(settings: Settings, request: StageRequest) -> HealthCheck:
    extra = {request.stage: request.workflow}
    return lambda: check_all(settings, [request.stage], extra)
