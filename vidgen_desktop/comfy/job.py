"""Run one ComfyUI workflow to completion: submit, follow events, download outputs into the project.

`run_job` is a TaskRunner-compatible core function (blocking, no Qt). Completion is `executing`
with `node: null` for our prompt (sent after history is written), confirmed by `/history/{id}`.
Socket drops are survived by reconnecting and reconciling through `/history`, `/api/jobs` and
`/queue`; a job that is in none of them was lost (the server restarted).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidgen_desktop.comfy import events as ev
from vidgen_desktop.comfy.client import ComfyClient, new_prompt_id
from vidgen_desktop.comfy.errors import Detached, JobInterrupted, JobLost, execution_error
from vidgen_desktop.comfy.models import FileRef, HistoryEntry, file_refs_of
from vidgen_desktop.comfy.progress import ProgressTracker
from vidgen_desktop.comfy.ws import SocketDropped
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, InvalidOutput, VidGenError
from vidgen_desktop.core.media_info import media_kind
from vidgen_desktop.core.progress import Progress, ProgressCallback, format_transfer
from vidgen_desktop.core.project import Project

log = logging.getLogger(__name__)


def classify(filename: str) -> str:
    """image | video | audio | latent | other, by extension: ComfyUI files video under
    `images`, and SaveLatent writes `.latent` files (safetensors)."""
    if filename.lower().endswith(".latent"):
        return "latent"
    return media_kind(filename) or "other"


@dataclass
class OutputFile:
    path: Path  # inside the project's stage folder
    kind: str  # image | video | audio | other
    node_id: str
    server_name: str  # as the server named it (subfolder/filename), for the log only
    size: int


@dataclass
class JobResult:
    prompt_id: str
    files: list[OutputFile]
    elapsed_s: float
    cached_nodes: list[str] = field(default_factory=list)
    #: monotonic time the finish was seen (executing null / history) and the files were on disk
    finished_at: float = 0.0
    on_disk_at: float = 0.0
    #: node id → seconds it ran; sampler node id → seconds of each step (this machine's numbers)
    node_seconds: dict[str, float] = field(default_factory=dict)
    step_gaps: dict[str, list[float]] = field(default_factory=dict)

    def first(self, kind: str) -> OutputFile | None:
        return next((f for f in self.files if f.kind == kind), None)


@dataclass
class JobOptions:
    preview_method: str | None = "auto"
    #: how long to keep trying to reconnect a dropped socket before giving up (None: the
    #: client's re-attach window)
    reconnect_give_up_s: float | None = None
    #: poll history when the socket has been silent this long (hung sockets exist: #3128)
    silence_poll_s: float = 5.0
    #: after cancel, wait this long for the server to confirm the interrupt
    cancel_wait_s: float = 5.0
    #: download only these kinds (None = everything the job produced)
    kinds: tuple[str, ...] | None = None
    extra_data: dict[str, Any] = field(default_factory=dict)
    #: the prompt id to use (minted and recorded in the ledger before anything is sent)
    prompt_id: str | None = None
    #: follow a prompt submitted earlier (by us, before a restart) instead of submitting
    attach: bool = False
    #: told of each state as it happens: "queued" (accepted), "running", "finished" (history
    #: has it, files not yet here), with details (position, error…); the ledger writes them
    on_state: Callable[[str, dict[str, Any]], None] | None = None
    #: set to stop following without cancelling: the job goes on in ComfyUI (raises Detached)
    detach: threading.Event | None = None
    #: project folder the outputs go to (default: the stage's folder)
    folder: str | None = None
    #: put before each downloaded file's name (a draft's files say so: "draft-…")
    file_prefix: str = ""


def run_job(
    client: ComfyClient,
    graph: dict[str, Any],
    report: ProgressCallback,
    token: CancelToken,
    project: Project,
    stage: str,
    options: JobOptions | None = None,
) -> JobResult:
    """Queue `graph`, report progress/previews, and return the downloaded outputs.

    Raises WorkflowRejected, ExecutionFailed/OutOfMemory, JobInterrupted, JobLost,
    ServerUnavailable, StorageError or Cancelled.
    """
    return _Job(client, graph, report, token, project, stage, options or JobOptions()).run()


class _Job:
    def __init__(
        self,
        client: ComfyClient,
        graph: dict[str, Any],
        report: ProgressCallback,
        token: CancelToken,
        project: Project,
        stage: str,
        options: JobOptions,
    ) -> None:
        self.client, self.graph, self.report, self.token = client, graph, report, token
        self.project, self.stage, self.opt = project, stage, options
        self.window_s = (
            options.reconnect_give_up_s
            if options.reconnect_give_up_s is not None
            else client.reattach_window_s
        )
        self.pid = options.prompt_id or new_prompt_id()
        self.tracker = ProgressTracker(graph)
        self.started = False
        self.cancel_sent_at: float | None = None
        self.t0 = time.monotonic()

    # -- main loop ------------------------------------------------------------------------
    def run(self) -> JobResult:
        self.token.raise_if_cancelled()
        waiting_reported = False
        while not self.client.job_lock.acquire(timeout=0.2):
            self.token.raise_if_cancelled()
            if self.opt.detach is not None and self.opt.detach.is_set():
                raise Detached("The app closed before this job's turn; it was not sent.")
            if not waiting_reported:
                waiting_reported = True
                self.report(
                    Progress(0.0, "Waiting for the other ComfyUI job to finish…", kind="status")
                )
        try:
            return self._run_locked()
        finally:
            self.client.job_lock.release()

    def _run_locked(self) -> JobResult:
        sock = self.client.events()
        if not sock.connected:
            sock.reconnect(self.token, give_up_after=min(self.window_s, 5.0))
        entry: HistoryEntry | None = None
        if self.opt.attach:
            self.report(Progress(None, "Finding the job again in ComfyUI…", kind="status"))
            entry = self._reconcile()  # finished while we were away, still there, or lost
            if entry is None:
                running = self.pid in self.client.queue().running_ids()
                self.started = running
                self._state("running" if running else "queued", {})
            log.info("re-attached to prompt %s for %s", self.pid, self.stage)
        else:
            self.report(Progress(0.0, "Queueing the job in ComfyUI…", kind="status"))
            self.client.submit(
                self.graph,
                prompt_id=self.pid,
                preview_method=self.opt.preview_method,
                extra_data=self.opt.extra_data,
            )
            self._state("queued", {})
            log.info("queued prompt %s (%d nodes) for %s", self.pid, len(self.graph), self.stage)
        if entry is None:
            entry = self._follow(sock)
        else:
            entry = self._finished(entry)
        self._state("finished", {})
        finished_at = time.monotonic()
        self.tracker.finished()
        files = self._download(entry)
        on_disk = time.monotonic()
        elapsed = on_disk - self.t0
        self.report(
            Progress(
                1.0,
                f"Done: {len(files)} file(s) saved",
                elapsed_s=elapsed,
                kind="status",
                extra={"prompt_id": self.pid},
            )
        )
        return JobResult(
            self.pid,
            files,
            elapsed,
            sorted(self.tracker.cached),
            finished_at,
            on_disk,
            node_seconds=dict(self.tracker.node_seconds),
            step_gaps={k: list(v) for k, v in self.tracker.step_gaps.items()},
        )

    def _state(self, state: str, details: dict[str, Any]) -> None:
        if self.opt.on_state is not None:
            self.opt.on_state(state, details)

    def _follow(self, sock) -> HistoryEntry:
        last_event = time.monotonic()
        while True:
            if self.token.cancelled:
                self._cancel()
            if self.opt.detach is not None and self.opt.detach.is_set():
                raise Detached(
                    "Stopped following the job; it goes on in ComfyUI.",
                    hint="Open the project again (or run `vidgen resume`) to pick it up.",
                )
            try:
                event = sock.recv()
            except SocketDropped as exc:
                log.warning("websocket dropped during %s: %s; reconnecting", self.pid, exc)
                self.report(
                    Progress(
                        self.tracker.fraction(),
                        "Connection to ComfyUI lost; reconnecting…",
                        kind="status",
                    )
                )
                sock.reconnect(self.token, give_up_after=self.window_s)
                entry = self._reconcile()
                if entry is not None:
                    return self._finished(entry)
                last_event = time.monotonic()
                continue
            now = time.monotonic()
            if event is None:
                if now - last_event > self.opt.silence_poll_s:
                    last_event = now
                    entry = self._reconcile()
                    if entry is not None:
                        return self._finished(entry)
                continue
            last_event = now
            done = self._handle(event)
            if done:
                entry = self._await_history()
                return self._finished(entry)

    def _handle(self, event: ev.Event) -> bool:
        """Update state from one event; True when our prompt is finished (executing null)."""
        mine = event.prompt_id == self.pid
        if isinstance(event, ev.StatusEvent):
            self.tracker.queue_remaining = event.queue_remaining
            if not self.started:
                self.report(self.tracker.queued_progress(self._elapsed()))
            return False
        if isinstance(event, ev.Preview):
            if (mine or (event.prompt_id is None and self.started)) and event.image:
                self.report(self.tracker.preview_progress(event.image, event.mime, self._elapsed()))
            return False
        if not mine:
            return False
        if isinstance(event, ev.ExecutionStart):
            self.started = True
            self._state("running", {})
        elif isinstance(event, ev.ExecutionCached):
            self.tracker.on_cached(event.nodes)
        elif isinstance(event, ev.Executing):
            if event.node is None:
                return True
            self.tracker.on_executing(event.node)
        elif isinstance(event, ev.ProgressEvent):
            self.tracker.on_progress(event.node, event.value, event.max)
        elif isinstance(event, ev.ProgressState):
            if not self.tracker.on_state(event.nodes):
                return False
        elif isinstance(event, ev.Executed):
            self.tracker.on_executed(event.node)
        elif isinstance(event, ev.ExecutionError):
            log.warning("execution_error for %s: %s", self.pid, event.data.get("exception_message"))
            return False  # history (after executing null) carries the same error
        elif isinstance(event, (ev.ExecutionSuccess, ev.ExecutionInterrupted)):
            return False
        else:
            return False
        self.report(self.tracker.step_progress(self._elapsed()))
        return False

    # -- completion -----------------------------------------------------------------------
    def _await_history(self) -> HistoryEntry:
        """History is written before executing null, but allow a short grace for proxies."""
        for _ in range(20):
            entry = self.client.history(self.pid)
            if entry is not None:
                return entry
            self.token.wait(0.05)
        entry = self._reconcile()
        if entry is None:
            raise JobLost(
                "ComfyUI finished the job but kept no record of it.",
                hint="Generate again; if it repeats, restart ComfyUI.",
            )
        return entry

    def _reconcile(self) -> HistoryEntry | None:
        """Where is our job? History entry if finished, None if still queued/running, else lost."""
        entry = self.client.history(self.pid)
        if entry is not None:
            return entry
        job = self.client.job(self.pid)
        if job is not None and job.status in ("completed", "failed", "cancelled"):
            status = {"completed": "success"}.get(job.status, "error")
            messages = [["execution_error", job.execution_error]] if job.execution_error else []
            if job.status == "cancelled":
                messages.append(["execution_interrupted", {"prompt_id": self.pid}])
            return HistoryEntry.model_validate(
                {
                    "outputs": job.outputs,
                    "status": {"status_str": status, "completed": True, "messages": messages},
                }
            )
        queue = self.client.queue()
        if self.pid in queue.running_ids() or self.pid in queue.pending_ids():
            return None
        entry = self.client.history(self.pid)  # it may have finished between the two reads
        if entry is not None:
            return entry
        if self.cancel_sent_at is not None:
            raise Cancelled()
        raise JobLost(
            "The ComfyUI server restarted; the job was lost.",
            detail=f"prompt {self.pid} is in neither history nor queue",
            hint="Generate again. Files already saved in the project are kept.",
        )

    def _finished(self, entry: HistoryEntry) -> HistoryEntry:
        for name, data in entry.status.messages:
            if name == "execution_error" and isinstance(data, dict):
                raise execution_error(data)
            if name == "execution_interrupted":
                if self.cancel_sent_at is not None or self.token.cancelled:
                    raise Cancelled()
                raise JobInterrupted(
                    "The job was stopped on the ComfyUI server.",
                    hint="Someone pressed Cancel in ComfyUI; generate again.",
                )
        if entry.status.status_str == "error":
            raise JobInterrupted(
                "ComfyUI ended the job with an error.", detail=str(entry.status.messages)
            )
        return entry

    # -- cancel ---------------------------------------------------------------------------
    def _cancel(self) -> None:
        """Running → interrupt our prompt only; queued → delete it. Then wait briefly for the end."""
        now = time.monotonic()
        if self.cancel_sent_at is None:
            self.cancel_sent_at = now
            try:
                if self.started:
                    self.client.interrupt(self.pid)
                else:
                    self.client.delete_queued([self.pid])
                    queue = self.client.queue()
                    if self.pid not in queue.running_ids():
                        raise Cancelled()
                    self.started = True
                    self.client.interrupt(self.pid)
            except VidGenError as exc:
                if isinstance(exc, Cancelled):
                    raise
                log.warning("cancel request failed: %s", exc)
                raise Cancelled() from exc
            self.report(Progress(self.tracker.fraction(), "Stopping…", kind="status"))
        elif now - self.cancel_sent_at > self.opt.cancel_wait_s:
            raise Cancelled()

    # -- outputs --------------------------------------------------------------------------
    def _download(self, entry: HistoryEntry) -> list[OutputFile]:
        refs = [r for r in file_refs_of(entry.outputs) if r[2].type == "output"] or file_refs_of(
            entry.outputs
        )
        if self.opt.kinds is not None:
            refs = [r for r in refs if classify(r[2].filename) in self.opt.kinds]
        if not refs:
            raise InvalidOutput(
                "ComfyUI finished but the workflow produced no files.",
                hint="Check that the workflow ends in a Save node.",
            )
        files: list[OutputFile] = []
        base = self.tracker.fraction()
        for i, (node_id, _key, ref) in enumerate(refs):
            self.token.raise_if_cancelled()
            files.append(self._download_one(node_id, ref, i, len(refs), base))
        return files

    def _download_one(
        self, node_id: str, ref: FileRef, index: int, count: int, base: float
    ) -> OutputFile:
        server_name = f"{ref.subfolder}/{ref.filename}" if ref.subfolder else ref.filename
        if "/" in ref.filename or "\\" in ref.filename or ".." in ref.filename:
            log.warning("server sent a file name with path parts: %r (sanitised)", ref.filename)
        # sanitised, inside the project
        target = self.project.unique_path(
            self.opt.folder or self.stage, self.opt.file_prefix + ref.filename
        )
        last = [0.0]

        def on_bytes(done: int, total: int | None) -> None:
            now = time.monotonic()
            if now - last[0] < 0.1:
                return
            last[0] = now
            part = (index + (done / total if total else 0.0)) / count
            self.report(
                Progress(
                    min(base + (0.99 - base) * part, 0.99),
                    f"Saving {target.name}: {format_transfer(done, total)}",
                    elapsed_s=self._elapsed(),
                    kind="status",
                )
            )

        size = self.client.download(ref, target, self.token, on_bytes)
        log.info("saved %s → %s (%d bytes)", server_name, target, size)
        return OutputFile(target, classify(ref.filename), node_id, server_name, size)

    def _elapsed(self) -> float:
        return time.monotonic() - self.t0
