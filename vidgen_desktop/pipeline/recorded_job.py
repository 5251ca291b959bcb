"""One ComfyUI prompt, recorded: the ledger has it before it is sent, and each state as it
happens; its take is made the same way whether we followed it to the end or picked it up again
after a restart.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

from vidgen_desktop.comfy import ComfyClient, JobOptions, run_job
from vidgen_desktop.comfy.client import new_prompt_id
from vidgen_desktop.comfy.errors import Detached, JobLost
from vidgen_desktop.comfy.job import JobResult
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, InvalidOutput, ServerUnavailable, VidGenError
from vidgen_desktop.core.media_info import duration_seconds
from vidgen_desktop.core.mp4 import has_audio_track
from vidgen_desktop.core.progress import ProgressCallback
from vidgen_desktop.core.project import Project, Take
from vidgen_desktop.pipeline.draft import FILE_PREFIX
from vidgen_desktop.pipeline.ledger import JobRecord, Ledger

log = logging.getLogger(__name__)


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def inputs_hash(*parts: Any) -> str:
    """What a job is made from, as one digest (bound values, file contents, workflow)."""
    data = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:20]


def new_record(
    client: ComfyClient,
    stage: str,
    workflow: str,
    digest: str,
    *,
    take: dict[str, Any] | None = None,
    run_id: str = "",
    chunk: int | None = None,
) -> JobRecord:
    return JobRecord(
        prompt_id=new_prompt_id(),
        stage=stage,
        workflow=workflow,
        server=client.base_url,
        inputs_hash=digest,
        take=take or {},
        run_id=run_id,
        chunk=chunk,
    )


def run_recorded(
    client: ComfyClient,
    project: Project,
    ledger: Ledger,
    record: JobRecord,
    graph: dict[str, Any] | None,
    report: ProgressCallback,
    token: CancelToken,
    *,
    kinds: tuple[str, ...],
    folder: str | None = None,
    detach: threading.Event | None = None,
    attach: bool = False,
) -> JobResult:
    """Submit (recorded first) or re-attach to `record`'s prompt, and follow it to its files.

    Every outcome is written to the ledger: done (with its outputs), failed, lost, cancelled.
    A job we only stopped following (Detached, or the server unreachable) stays unfinished, so
    the next open of the project finds it again."""
    pid = record.prompt_id
    if not attach:
        ledger.add(record, graph)

    def on_state(state: str, details: dict[str, Any]) -> None:
        ledger.update(pid, state)

    options = JobOptions(
        kinds=kinds,
        prompt_id=pid,
        attach=attach,
        on_state=on_state,
        detach=detach,
        folder=folder,
        file_prefix=FILE_PREFIX if record.take.get("draft") else "",
    )
    try:
        result = run_job(client, graph or {}, report, token, project, record.stage, options)
    except (Detached, ServerUnavailable) as exc:
        current = ledger.job(pid)
        if current is not None and current.state == "submitting":
            # it never reached the server (waiting for its turn, or the server was down): there
            # is nothing to find again, and a retry must not take it for a running job
            ledger.update(
                pid,
                "cancelled" if isinstance(exc, Detached) else "failed",
                error="not sent: " + exc.message,
            )
        raise  # else still the server's: found again on the next open
    except JobLost as exc:
        ledger.update(pid, "lost", error=exc.message)
        raise
    except Cancelled:
        ledger.update(pid, "cancelled")
        raise
    except VidGenError as exc:
        ledger.update(pid, "failed", error=exc.message)
        raise
    ledger.update(
        pid,
        "done",
        outputs=[project.relative(f.path) for f in result.files],
        elapsed_s=round(result.elapsed_s, 2),
    )
    return result


def take_template(
    stage: str,
    kind: str,
    workflow: str,
    seed: int | None,
    settings: dict[str, Any],
    made_from: dict[str, str],
    width: int | None = None,
    height: int | None = None,
    draft: bool = False,
) -> dict[str, Any]:
    """The take a job will make, minus what only its files say (kept in its ledger entry)."""
    return {
        "draft": draft,
        "stage": stage,
        "kind": kind,
        "workflow": workflow,
        "seed": seed,
        "settings": settings,
        "made_from": made_from,
        "width": width,
        "height": height,
    }


def take_from(record: JobRecord, result: JobResult, project: Project) -> Take:
    """The take a finished job makes (the same whether we followed it or came back to it)."""
    template = dict(record.take)
    kind = str(template.get("kind") or "image")
    out = result.first(kind)
    if out is None:
        raise InvalidOutput(
            f"“{record.workflow}” finished but produced no {kind} file.",
            hint="Check that the workflow's output node saves a file (Save Image / Save Audio / "
            "Save Video).",
        )
    info: dict[str, Any] = {
        "prompt_id": result.prompt_id,
        "elapsed_s": round(result.elapsed_s, 2),
        "bytes": out.size,
        "server": record.server,
    }
    if kind == "video":  # a workflow that forgot the speech makes a mute MP4: say so
        info["has_audio"] = has_audio_track(out.path)
    template.update(
        file=project.relative(out.path),
        duration_s=duration_seconds(out.path) if kind in ("audio", "video") else None,
        info=info,
    )
    return Take.model_validate(template)
