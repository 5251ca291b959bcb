"""The project's job ledger (jobs.json): every ComfyUI submission, written before it is sent,
and every state change as it happens.

With it, no GPU work is lost to a quit, a crash or a power cut: on opening the project each
unfinished job is found again on its server (re-attached, its outputs fetched, or marked lost
so it can be resubmitted), and the same inputs are never submitted twice by accident. The
graph each job sent is kept beside it (jobs/<prompt id>.json), so a lost job can be resubmitted
exactly. A render of several chunks (a "run") groups its jobs and remembers what they share.

Writes are atomic and small (one JSON file); callers run them off the GUI thread.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vidgen_desktop.core.atomic import write_text_atomic
from vidgen_desktop.core.errors import StorageError

log = logging.getLogger(__name__)

LEDGER_FILE = "jobs.json"
GRAPHS_DIR = "jobs"
JobState = Literal[
    "submitting", "queued", "running", "finished", "done", "failed", "lost", "cancelled", "moved"
]
#: states in which the job may still produce something on its server
UNFINISHED: tuple[str, ...] = ("submitting", "queued", "running", "finished")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class JobRecord(BaseModel):
    """One prompt sent to one server."""

    model_config = ConfigDict(extra="ignore")
    prompt_id: str
    stage: str
    workflow: str
    server: str
    inputs_hash: str
    state: JobState = "submitting"
    #: the run (a render of several chunks, or one stage) this job belongs to
    run_id: str = ""
    #: 1-based chunk of a chunked render; None for a one-prompt job; 0 = the final assembly
    chunk: int | None = None
    created: str = Field(default_factory=_now)
    updated: str = Field(default_factory=_now)
    #: project-relative files it produced (downloaded)
    outputs: list[str] = Field(default_factory=list)
    error: str = ""
    #: what the take made from it looks like (settings, seed, made_from, kind…), so a job that
    #: finished while the app was closed becomes the same take it would have
    take: dict[str, Any] = Field(default_factory=dict)
    #: seconds: queued → finished, for the estimate
    elapsed_s: float | None = None

    def row(self) -> dict[str, Any]:
        """The keys `vidgen project show --json` lists."""
        return {
            "stage": self.stage,
            "state": self.state,
            "prompt_id": self.prompt_id,
            "chunk": self.chunk,
            "server": self.server,
            "workflow": self.workflow,
            "run_id": self.run_id,
            "created": self.created,
            "updated": self.updated,
            "outputs": self.outputs,
            "error": self.error,
        }


class RunRecord(BaseModel):
    """A render of several chunks (or one stage of `vidgen run`): what its jobs share."""

    model_config = ConfigDict(extra="ignore")
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:10])
    kind: str = "chunked-video"
    stage: str = "video"
    workflow: str = ""
    server: str = ""
    inputs_hash: str = ""
    state: Literal["running", "done", "failed", "stale"] = "running"
    #: everything needed to build the next chunk again: params (the seed drawn included),
    #: uploads (project-relative), the plan, take fields
    spec: dict[str, Any] = Field(default_factory=dict)
    #: 1-based chunk → the project-relative latent file it produced
    chunk_files: dict[int, str] = Field(default_factory=dict)
    #: names of files we put into the server's input folder (removed when the render is done)
    server_files: list[str] = Field(default_factory=list)
    created: str = Field(default_factory=_now)
    updated: str = Field(default_factory=_now)
    error: str = ""


class LedgerData(BaseModel):
    model_config = ConfigDict(extra="ignore")
    version: int = 1
    jobs: list[JobRecord] = Field(default_factory=list)
    runs: list[RunRecord] = Field(default_factory=list)


_open: dict[Path, Ledger] = {}
_open_lock = threading.Lock()


def ledger_for(root: Path) -> Ledger:
    """The one ledger of a project folder in this process: two jobs of one project (an image and
    a voice) write through the same object, so neither overwrites the other's record."""
    key = Path(root).resolve()
    with _open_lock:
        ledger = _open.get(key)
        if ledger is None or not ledger.path.parent.is_dir():
            ledger = _open[key] = Ledger(key)
        return ledger


def forget_ledger(root: Path) -> None:
    """Read it from disk again next time (another process, e.g. `vidgen resume`, changed it)."""
    with _open_lock:
        _open.pop(Path(root).resolve(), None)


class Ledger:
    """Thread-safe: the job's worker thread writes states, the GUI reads rows. Use
    `ledger_for(root)` rather than this constructor, so one process has one per project."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = self.root / LEDGER_FILE
        self._lock = threading.RLock()
        self.data = self._read()
        #: seconds the last write took (the benchmark reads it)
        self.last_write_s = 0.0

    def _read(self) -> LedgerData:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return LedgerData()
        except OSError as exc:
            raise StorageError(f"Cannot read the job ledger {self.path}.", detail=str(exc)) from exc
        try:
            return LedgerData.model_validate_json(text)
        except ValueError as exc:
            # never lose the record of GPU work: keep the damaged file for a person to read
            kept = self.path.with_name(f"jobs.damaged-{datetime.now():%Y%m%d-%H%M%S}.json")
            self.path.replace(kept)
            log.error("job ledger %s was damaged (%s); kept as %s", self.path, exc, kept)
            return LedgerData()

    def save(self) -> None:
        with self._lock:
            started = time.perf_counter()
            write_text_atomic(self.path, self.data.model_dump_json(indent=1))
            self.last_write_s = time.perf_counter() - started

    # ---- jobs --------------------------------------------------------------------------------
    def add(self, record: JobRecord, graph: dict[str, Any] | None = None) -> JobRecord:
        """Written before the job is sent: if we crash in between, the ledger still knows."""
        with self._lock:
            if graph is not None:
                write_text_atomic(self.graph_path(record.prompt_id), json.dumps(graph))
            self.data.jobs.append(record)
            self.save()
        return record

    def update(self, prompt_id: str, state: str | None = None, **fields: Any) -> JobRecord | None:
        with self._lock:
            record = self.job(prompt_id)
            if record is None:
                return None
            if state is not None:
                record.state = state  # type: ignore[assignment]
            for name, value in fields.items():
                setattr(record, name, value)
            record.updated = _now()
            self.save()
            return record

    def job(self, prompt_id: str) -> JobRecord | None:
        with self._lock:
            return next((j for j in self.data.jobs if j.prompt_id == prompt_id), None)

    def unfinished(self) -> list[JobRecord]:
        with self._lock:
            return [j for j in self.data.jobs if j.state in UNFINISHED]

    def lost(self) -> list[JobRecord]:
        with self._lock:
            return [j for j in self.data.jobs if j.state == "lost"]

    def active_for(self, inputs_hash: str) -> JobRecord | None:
        """A job with these inputs still running or queued: never submit it a second time."""
        with self._lock:
            return next(
                (
                    j
                    for j in self.data.jobs
                    if j.inputs_hash == inputs_hash and j.state in UNFINISHED
                ),
                None,
            )

    def graph_path(self, prompt_id: str) -> Path:
        folder = self.root / GRAPHS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{prompt_id}.json"

    def graph_of(self, prompt_id: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self.graph_path(prompt_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def rows(self) -> list[dict[str, Any]]:
        with self._lock:
            return [j.row() for j in self.data.jobs]

    # ---- runs --------------------------------------------------------------------------------
    def add_run(self, run: RunRecord) -> RunRecord:
        with self._lock:
            self.data.runs.append(run)
            self.save()
        return run

    def run(self, run_id: str) -> RunRecord | None:
        with self._lock:
            return next((r for r in self.data.runs if r.id == run_id), None)

    def update_run(self, run_id: str, **fields: Any) -> RunRecord | None:
        with self._lock:
            run = self.run(run_id)
            if run is None:
                return None
            for name, value in fields.items():
                setattr(run, name, value)
            run.updated = _now()
            self.save()
            return run

    def open_runs(self, stage: str | None = None) -> list[RunRecord]:
        with self._lock:
            return [
                r
                for r in self.data.runs
                if r.state == "running" and (stage is None or r.stage == stage)
            ]

    def jobs_of(self, run_id: str) -> list[JobRecord]:
        with self._lock:
            return [j for j in self.data.jobs if j.run_id == run_id]
