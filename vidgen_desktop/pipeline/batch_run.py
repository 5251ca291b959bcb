"""A batch of topics, one project each, run unattended across ComfyUI servers: shared by
`vidgen batch` and the window's Batch page.

Every item is checked before anything runs (its options, and that some server can run its
workflows: each server asked once per set of workflows, all at once). Then items run in
parallel, one at a time per server, an item's stages on its server (pipeline.batch.run_batch).
Running it again continues it: finished items are skipped, and an item that stopped midway
keeps its finished stages and follows a job still in ComfyUI instead of sending it twice.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from pathlib import Path

from vidgen_desktop.comfy.client import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, InvalidInput, VidGenError
from vidgen_desktop.core.progress import Progress
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.pipeline.batch import (
    BatchItem,
    BatchRecord,
    BatchStore,
    ItemFailed,
    ItemState,
    ServerPool,
    run_batch,
)
from vidgen_desktop.pipeline.run_all import StageFailed, stages_until
from vidgen_desktop.pipeline.servers import client_for
from vidgen_desktop.pipeline.stage_job import choose_workflow
from vidgen_desktop.pipeline.timings import TimingStore
from vidgen_desktop.pipeline.topic_run import RunOptions, TopicRun
from vidgen_desktop.workflow import Stage

#: (item, what it reports now): the page shows each item's stage progress and time left
ItemProgress = Callable[[ItemState, Progress], None]


class WorkflowCheck:
    """Can this server run these workflows? Asked once per server and set of workflows; one
    client per server for the whole batch (one WebSocket, /object_info read once)."""

    def __init__(self, settings: Settings, until: str | None) -> None:
        self.settings = settings
        self.stages = stages_until(None, until)
        self._lock = threading.Lock()
        self._answers: dict[tuple, bool] = {}
        self._clients: dict[str, ComfyClient] = {}

    def client(self, server: str) -> ComfyClient:
        with self._lock:
            if server not in self._clients:
                self._clients[server] = client_for(self.settings, server)
            return self._clients[server]

    def can_run(self, server: str, specs: dict[str, str | None]) -> bool:
        key = (server, tuple(sorted((k, v or "") for k, v in specs.items())))
        with self._lock:
            if key in self._answers:
                return self._answers[key]
        client = self.client(server)
        try:
            client.system_stats()
            for stage in self.stages:
                choose_workflow(Stage(stage), specs.get(stage), "", client)
            answer = True
        except VidGenError:
            answer = False
        with self._lock:
            self._answers[key] = answer
        return answer

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def resume_from(project: Path, topic: str, until: str | None) -> str | None:
    """The first ComfyUI stage an interrupted item still lacks (None: start from the script)."""
    if not (project / "project.json").exists():
        return None
    opened = Project.open(project)
    if opened.data.scene is None or (opened.data.topic or "").strip() != topic.strip():
        return None
    for stage in stages_until(None, until):
        if opened.chosen_take(stage) is None:
            return stage
    return None


class BatchRun:
    def __init__(
        self,
        root: Path,
        settings: Settings,
        servers: list[str],
        base: RunOptions,
        *,
        on_change: Callable[[ItemState], None],
        on_progress: ItemProgress | None = None,
        timings: TimingStore | None = None,
        config_dir: Path | None = None,
    ) -> None:
        self.root, self.settings, self.base = root, settings, base
        self.on_change, self.on_progress = on_change, on_progress
        self.timings, self.config_dir = timings, config_dir
        self.store = BatchStore(root)
        self.pool = ServerPool(servers)
        self.until: str | None = None
        self.check: WorkflowCheck | None = None

    # ---- opening ------------------------------------------------------------------------------
    def open(self, items: list[BatchItem], source: str, until: str | None) -> BatchRecord:
        """This list as a batch under root (the recorded one when it is the same list)."""
        self.base.check()  # the batch's own options (a named workflow must exist) first
        self.until = until
        record = self.store.open(items, source, until)
        return self._seeded(record)

    def reopen(self) -> BatchRecord:
        """The batch recorded under root, to continue it (InvalidInput when there is none)."""
        record = self.store.reopen()
        self.until = record.until
        return self._seeded(record)

    def _seeded(self, record: BatchRecord) -> BatchRecord:
        for state in record.items:
            if state.seed is None:
                seed = self.base.seed
                state.seed = seed if seed is not None else random.randrange(1, 2**31)
        self.store.save()
        return record

    def options_of(self, state: ItemState) -> RunOptions:
        try:
            options = RunOptions.from_values(state.options, base=self.base)
        except InvalidInput as exc:
            raise InvalidInput(f"item {state.index} ({state.topic}): {exc.message}") from exc
        if options.seed is None:
            options.seed = state.seed
        return options

    # ---- checking -----------------------------------------------------------------------------
    def check_items(self) -> list[ItemState]:
        """Every unfinished item's options and servers, before anything runs; the items that
        cannot run are marked failed at "check" (and returned)."""
        check = self.check = WorkflowCheck(self.settings, self.until)
        record = self.store.record
        specs_of: dict[int, dict[str, str | None]] = {}
        for state in record.items:
            try:
                specs_of[state.index] = self.options_of(state).workflow_specs()
            except InvalidInput:
                pass  # said below, for that item
        unique: list[dict[str, str | None]] = []
        for specs in specs_of.values():
            if specs not in unique:
                unique.append(specs)
        asking = [
            threading.Thread(target=check.can_run, args=(url, specs), daemon=True)
            for url in self.pool.urls
            for specs in unique
        ]
        for thread in asking:
            thread.start()
        for thread in asking:
            thread.join()
        refused = []
        for state in record.items:
            if state.status == "done":
                continue
            try:
                self.options_of(state)
                if not any(check.can_run(url, specs_of[state.index]) for url in self.pool.urls):
                    raise InvalidInput("no server can run its workflows (missing models or nodes?)")
            except InvalidInput as exc:
                self.store.update(state, status="failed", failed_stage="check", error=exc.message)
                self.on_change(state)
                refused.append(state)
        return refused

    # ---- running ------------------------------------------------------------------------------
    def run(self, token: CancelToken) -> BatchRecord:
        """Check (when not done yet), then every waiting item; returns the record."""
        if self.check is None:
            self.check_items()
        pending = [s for s in self.store.record.items if s.status == "waiting"]
        try:
            if pending:
                run_batch(
                    self.store,
                    self.pool,
                    self._run_item,
                    self._can_run,
                    self.on_change,
                    token,
                    only=pending,
                    move=self._move,
                )
        finally:
            if self.check is not None:
                self.check.close()
        return self.store.record

    def _can_run(self, state: ItemState, server: str) -> bool:
        assert self.check is not None
        return state.status != "failed" and self.check.can_run(
            server, self.options_of(state).workflow_specs()
        )

    def _move(self, state: ItemState, server: str, stage: str) -> bool:
        """The item's server went away mid-stage: its jobs there are given up (never followed
        again), and the item goes on elsewhere from the stages it finished (a render from its
        finished chunks)."""
        from vidgen_desktop.pipeline.failover import mark_moved
        from vidgen_desktop.pipeline.ledger import ledger_for

        mark_moved(ledger_for(self.root / state.project), stage, server, "another server")
        return True

    def _run_item(self, state: ItemState, server: str, token: CancelToken, on_stage) -> str:
        assert self.check is not None
        folder = self.root / state.project
        try:
            options = self.options_of(state)
            start = resume_from(folder, state.topic, self.until)
            project = Project.create(folder)
        except VidGenError as exc:
            raise ItemFailed("check", exc) from exc
        relay = self.on_progress

        def report_for(stage: str):
            return lambda p: relay(state, p) if relay is not None else None

        video: list[Path] = []
        run = TopicRun(
            self.settings.with_servers(comfyui=server),
            project,
            options,
            self.check.client(server),
            report_for,
            token=token,
            started=lambda stage, _wf: on_stage(stage),
            finished=lambda stage, outcome: (
                video.append(project.path_of(outcome.take)) if stage == "video" else None
            ),
            timings=self.timings,
            config_dir=self.config_dir,
        )
        try:
            if start is None:
                on_stage("script")
                try:
                    run.script(state.topic)
                except Cancelled:
                    raise
                except VidGenError as exc:
                    raise ItemFailed("script", exc) from exc
            stages = stages_until(start, self.until)
            if stages:
                run.comfy_stages(stages)
        except StageFailed as failed:
            raise ItemFailed(failed.stage, failed.error) from None
        return str(run.last_file(self.until, video[-1] if video else None) or "")
