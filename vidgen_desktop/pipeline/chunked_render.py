"""A talking video rendered one chunk per ComfyUI prompt, so the project on disk always holds
every finished chunk and a crash, kill, server restart or out-of-memory error costs at most the
chunk in progress.

After each chunk its latent (and a silent preview MP4 of its frames) comes back into the project
(`video/chunks/<render>/`); before the next one it goes into the server's input folder, named
per render and chunk, for `LoadLatent` (workflow.chunks). The last prompt decodes every chunk's
latent into the MP4 with the speech. The render is a run in the project's ledger: starting it
again with the same inputs picks up where it stopped (finished chunks are kept, a chunk still
on the server is re-attached, a lost one is sent again); with changed inputs it says what
changed and starts over rather than mixing.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.comfy.errors import Detached, JobLost
from vidgen_desktop.comfy.job import JobResult
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import StorageError, VidGenError
from vidgen_desktop.core.progress import Progress, ProgressCallback
from vidgen_desktop.core.project import Project, Take
from vidgen_desktop.pipeline.ledger import UNFINISHED, JobRecord, Ledger, RunRecord
from vidgen_desktop.pipeline.recorded_job import (
    file_digest,
    inputs_hash,
    new_record,
    run_recorded,
    take_from,
    take_template,
)
from vidgen_desktop.pipeline.types import StageRequest
from vidgen_desktop.workflow import bind
from vidgen_desktop.workflow.chunks import assembly_graph, chunk_graph, find_chunks

log = logging.getLogger(__name__)

#: the share of a render's progress the final decode and save take
ASSEMBLY_SHARE = 0.05
#: what a change of each part of a render's inputs is called
PART_WORDS = {
    "image": "the image",
    "audio": "the speech",
    "prompt": "the prompt",
    "negative": "the negative prompt",
    "size": "the size",
    "seconds": "the length",
    "steps": "the steps",
    "lora": "the LoRA",
    "workflow": "the workflow",
    "fps": "the frame rate",
    "seed": "the seed",
}


def render_parts(request: StageRequest) -> dict[str, Any]:
    """What the finished chunks depend on (files by their content)."""
    p = request.params
    return {
        "image": file_digest(request.uploads["image"]),
        "audio": file_digest(request.uploads["audio"]),
        "prompt": p.get("positive"),
        "negative": p.get("negative"),
        "size": [p.get("width"), p.get("height")],
        "seconds": p.get("seconds"),
        "steps": p.get("steps"),
        "lora": p.get("lora"),
        "fps": p.get("fps"),
        "workflow": request.workflow.name,
    }


def changed_parts(run: RunRecord, parts: dict[str, Any], seed: int | None) -> list[str]:
    old = run.spec.get("parts", {})
    changed = [PART_WORDS.get(k, k) for k, v in parts.items() if old.get(k) != v]
    if seed is not None and seed != run.spec.get("seed"):
        changed.append(PART_WORDS["seed"])
    return changed


def latent_name(run: RunRecord, k: int) -> str:
    """The file's name in the server's input folder: per render and chunk, never clashing."""
    return f"vidgen-{run.id}-chunk{k:02d}.latent"


class ChunkedRender:
    def __init__(
        self,
        client: ComfyClient,
        project: Project,
        ledger: Ledger,
        request: StageRequest,
        report: ProgressCallback,
        token: CancelToken,
        detach: threading.Event | None = None,
    ) -> None:
        self.client, self.project, self.ledger, self.request = client, project, ledger, request
        self.report, self.token, self.detach = report, token, detach
        self.started = self._chunk_started = time.monotonic()
        self.chunk_seconds: list[float] = []
        self.template: dict[str, Any] = {}
        #: every prompt's graph and result, for the run's timing (pipeline.timings)
        self.graphs: list[dict[str, Any]] = []
        self.results: list[JobResult] = []
        self.resubmit_lost = True
        #: a chunk was sent by this call (--detach sends one, then leaves the rest to resume)
        self.sent_any = False
        self.frames = 0

    # ---- the run ---------------------------------------------------------------------------
    def open_run(self) -> RunRecord:
        """The render to continue (same inputs), or a new one."""
        parts = render_parts(self.request)
        seed = self.request.params.get("seed")
        for run in self.ledger.open_runs("video"):
            changed = changed_parts(run, parts, seed)
            if not changed:
                done = sum(
                    1 for k in run.chunk_files if (self.project.root / run.chunk_files[k]).exists()
                )
                if done:
                    self.report(
                        Progress(
                            None,
                            f"Resuming the render: {done} of "
                            f"{run.spec.get('chunks')} chunks are already done.",
                            kind="status",
                        )
                    )
                return run
            why = f"{', '.join(changed)} changed since its finished chunks were made"
            self.ledger.update_run(run.id, state="stale", error=why)
            self.report(
                Progress(
                    message=f"Not mixing with the unfinished render: {why}. "
                    "Starting over (its chunks stay in the project).",
                    kind="warning",
                )
            )
        run = self.ledger.add_run(
            RunRecord(
                workflow=self.request.workflow.name,
                server=self.client.base_url,
                inputs_hash=inputs_hash(parts),
                spec={"parts": parts, "seed": seed},
            )
        )
        from vidgen_desktop.pipeline.resume import remember_request

        remember_request(self.ledger, run, self.request, self.project)
        return run

    def graph(self, run: RunRecord) -> dict[str, Any]:
        """The one-prompt graph of the whole render (the seed drawn once, kept with the run)."""
        params = dict(self.request.params)
        for name, path in self.request.uploads.items():
            self.token.raise_if_cancelled()
            self.report(Progress(None, f"Uploading {Path(path).name} to ComfyUI…"))
            params[name] = self.client.upload(Path(path)).node_value
        if run.spec.get("seed") is not None:
            params["seed"] = run.spec["seed"]
        bound = bind(self.request.workflow, params)
        if run.spec.get("seed") is None:
            self.ledger.update_run(run.id, spec=dict(run.spec, seed=bound.seed))
        assert bound.video is not None
        kind = "video"
        settings = dict(self.request.take_settings)
        self.template = take_template(
            "video",
            kind,
            self.request.workflow.name,
            bound.seed,
            settings,
            dict(self.request.made_from),
            draft=self.request.draft,
        )
        self.frames = bound.video.frames
        return bound.graph

    # ---- chunks ----------------------------------------------------------------------------
    def run(self, resubmit_lost: bool = True) -> tuple[Take, JobResult]:
        """Render what is missing, then assemble. A chunk the server forgot (it restarted) is
        sent again when `resubmit_lost`, else JobLost is raised for the user to decide."""
        self.resubmit_lost = resubmit_lost
        run = self.open_run()
        graph = self.graph(run)
        plan = find_chunks(graph)
        self.ledger.update_run(run.id, spec=dict(run.spec, chunks=plan.chunks, frames=self.frames))
        n = plan.chunks
        done = [k for k in range(1, n + 1) if self._chunk_done(run, k)]
        self.report(
            Progress(
                None,
                f"Rendering {n} chunks" + (f" ({len(done)} already done)" if done else ""),
                kind="status",
                extra={"chunks": n, "chunks_done": done, "previews": run.spec.get("previews", {})},
            )
        )
        for k in range(1, n + 1):
            self.token.raise_if_cancelled()
            if self._chunk_done(run, k):
                continue
            if self.detach is not None and self.detach.is_set() and self.sent_any:
                raise Detached(f"The render stopped after chunk {k - 1} of {n}; resume goes on.")
            previous = [self._uploaded(run, j) for j in range(1, k)]
            self._render_chunk(run, graph, plan, k, previous)
            if k < n:
                self._uploaded(run, k)  # the boundary: brought back, then handed to the next
        files = [self._uploaded(run, j) for j in range(1, n + 1)]
        record, result = self._job(
            run, 0, assembly_graph(graph, plan, files), ("video",), self._relay(n, n, assembly=True)
        )
        take = take_from(record, result, self.project)
        take.settings["chunks"] = n
        take.info["render"] = run.id
        self.ledger.update_run(run.id, state="done")
        self._clean_server(run)
        total = time.monotonic() - self.started
        return take, replace(result, elapsed_s=total)

    def _chunk_done(self, run: RunRecord, k: int) -> bool:
        rel = run.chunk_files.get(k)
        return bool(rel) and (self.project.root / str(rel)).is_file()

    def _render_chunk(
        self, run: RunRecord, graph: dict[str, Any], plan: Any, k: int, previous: list[str]
    ) -> None:
        started = self._chunk_started = time.monotonic()
        prompt = chunk_graph(graph, plan, k, previous, run.id)
        _record, result = self._job(
            run, k, prompt, ("latent", "video"), self._relay(k, plan.chunks)
        )
        latent = result.first("latent")
        if latent is None:
            raise StorageError(f"Chunk {k} finished but its latent did not come back.")
        preview = result.first("video")
        previews = dict(run.spec.get("previews", {}))
        if preview is not None:
            previews[str(k)] = self.project.relative(preview.path)
        chunk_files = {**run.chunk_files, k: self.project.relative(latent.path)}
        self.ledger.update_run(
            run.id, chunk_files=chunk_files, spec=dict(run.spec, previews=previews)
        )
        run.chunk_files = chunk_files
        self.chunk_seconds.append(time.monotonic() - started)
        self.report(
            Progress(
                None,
                f"Chunk {k}/{plan.chunks} done",
                kind="status",
                extra={"chunk_done": k, "chunks": plan.chunks, "preview": previews.get(str(k), "")},
            )
        )

    def _job(
        self,
        run: RunRecord,
        k: int,
        graph: dict[str, Any],
        kinds: tuple[str, ...],
        report: ProgressCallback,
    ) -> tuple[JobRecord, JobResult]:
        """Chunk k's prompt (0 = the assembly): re-attached when it is still on this server."""
        existing = next(
            (
                j
                for j in self.ledger.jobs_of(run.id)
                if j.chunk == k and j.state in UNFINISHED and j.server == self.client.base_url
            ),
            None,
        )
        lost_once = False
        while True:
            if existing is not None:
                record, attach = existing, True
            else:
                record = new_record(
                    self.client,
                    "video",
                    run.workflow,
                    inputs_hash(run.inputs_hash, k),
                    take=self.template if k == 0 else {},
                    run_id=run.id,
                    chunk=k,
                )
                attach = False
            try:
                return record, self._send(run, k, record, graph, kinds, report, attach=attach)
            except JobLost:
                # the server restarted: what it had in memory is gone, the latents in its
                # input folder are not. Send this chunk again (once: twice is not a restart).
                if not self.resubmit_lost or (lost_once and not attach):
                    raise
                lost_once = lost_once or not attach
                existing = None
                what = f"chunk {k}" if k else "the final assembly"
                self.report(
                    Progress(
                        None,
                        f"ComfyUI no longer knows {what} (it restarted): sending it again.",
                        kind="status",
                    )
                )

    def _send(
        self,
        run: RunRecord,
        k: int,
        record: JobRecord,
        graph: dict[str, Any],
        kinds: tuple[str, ...],
        report: ProgressCallback,
        *,
        attach: bool,
    ) -> JobResult:
        self.sent_any = self.sent_any or not attach
        result = run_recorded(
            self.client,
            self.project,
            self.ledger,
            record,
            graph,
            report,
            self.token,
            kinds=kinds,
            folder=f"video/chunks/{run.id}" if k else None,  # the final MP4 goes with the takes
            detach=self.detach,
            attach=attach,
        )
        self.graphs.append(graph)
        self.results.append(result)
        return result

    def _uploaded(self, run: RunRecord, k: int) -> str:
        """Chunk k's latent in this server's input folder (uploaded once per server)."""
        name = latent_name(run, k)
        uploaded = dict(run.spec.get("uploaded", {}))
        mine = list(uploaded.get(self.client.base_url, []))
        if name not in mine:
            path = self.project.root / run.chunk_files[k]
            result = self.client.upload(path, name=name)
            mine.append(result.name)
            uploaded[self.client.base_url] = mine
            assets = dict(run.spec.get("assets", {}))
            if result.asset and result.asset.get("id"):
                assets[result.name] = str(result.asset["id"])
            self.ledger.update_run(
                run.id,
                server_files=sorted({*run.server_files, result.name}),
                spec=dict(run.spec, uploaded=uploaded, assets=assets),
            )
            run.spec = dict(run.spec, uploaded=uploaded, assets=assets)
            return result.name
        return name

    def _clean_server(self, run: RunRecord) -> None:
        assets = run.spec.get("assets", {})
        for name in run.spec.get("uploaded", {}).get(self.client.base_url, []):
            try:
                self.client.remove_input(name, assets.get(name))
            except VidGenError as exc:  # a leftover file is not worth failing a finished render
                log.warning("could not remove %s from ComfyUI's input folder: %s", name, exc)

    def _whole_eta(self, k: int, p: Progress) -> float | None:
        """The estimate's model at today's live step rate, for every chunk left and the
        assembly (pipeline.estimate.render_eta)."""
        from vidgen_desktop.pipeline.estimate import render_eta, shape_of

        est = self.request.estimate
        if est is None:
            return None
        try:
            shape = shape_of(self.request)
        except VidGenError:
            return None
        return render_eta(est, shape, k, p.extra.get("step"), p.extra.get("steps"), p.eta_s)

    def _relay(self, k: int, n: int, assembly: bool = False) -> ProgressCallback:
        """Chunk-level reports as the whole render's: its fraction and its time left."""
        chunk_share = (1.0 - ASSEMBLY_SHARE) / n

        def relay(p: Progress) -> None:
            if p.fraction is not None:
                base = (1.0 - ASSEMBLY_SHARE) if assembly else (k - 1) * chunk_share
                share = ASSEMBLY_SHARE if assembly else chunk_share
                done = assembly and p.fraction >= 1.0  # only the MP4 on disk is 100 %
                p = replace(p, fraction=1.0 if done else min(0.99, base + share * p.fraction))
            if p.eta_s is not None and not assembly:
                whole = self._whole_eta(k, p)
                if whole is None:
                    # no estimate yet: the chunks after this one take what the finished ones
                    # took (this one's elapsed + left before any finished)
                    this_chunk = time.monotonic() - self._chunk_started + p.eta_s
                    average = (
                        sum(self.chunk_seconds) / len(self.chunk_seconds)
                        if self.chunk_seconds
                        else this_chunk
                    )
                    whole = p.eta_s + (n - k) * average
                p = replace(p, eta_s=whole)
            self.report(
                replace(
                    p,
                    extra=dict(
                        p.extra, chunk=k if not assembly else n, chunks=n, assembling=assembly
                    ),
                )
            )

        return relay


@dataclass
class RenderDone:
    take: Take
    result: JobResult
    graphs: list[dict[str, Any]]
    results: list[JobResult]


def render_chunked(
    client: ComfyClient,
    project: Project,
    ledger: Ledger,
    request: StageRequest,
    report: ProgressCallback,
    token: CancelToken,
    detach: threading.Event | None = None,
) -> RenderDone:
    render = ChunkedRender(client, project, ledger, request, report, token, detach)
    take, result = render.run()
    return RenderDone(take, result, render.graphs, render.results)
