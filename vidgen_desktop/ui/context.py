"""Shared GUI-thread state: settings, the open project and the scene, with change signals.

Panels read from here and call its methods; nothing in it blocks (disk writes go to a
BackgroundWriter).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from vidgen_desktop.core.atomic import BackgroundWriter
from vidgen_desktop.core.project import UNTITLED, Project, default_project_name, free_folder
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.paths import UserPaths
from vidgen_desktop.pipeline.timings import TimingStore

if TYPE_CHECKING:
    from vidgen_desktop.comfy.client import ComfyClient
    from vidgen_desktop.pipeline.servers import ServerHealth
    from vidgen_desktop.ui.job_queue import JobHandle, JobQueue

log = logging.getLogger(__name__)

RECENT_KEPT = 10


class AppContext(QObject):
    scene_changed = Signal(object)  # Scene | None
    project_changed = Signal(object)  # Project | None
    #: the open project's name (and maybe its folder) changed
    project_renamed = Signal(object)
    #: another project (or none) is about to be shown: save what is still pending into this one
    project_closing = Signal()
    takes_changed = Signal(str)  # stage key
    settings_changed = Signal()
    #: a background write failed (e.g. disk full): (path, message)
    storage_error = Signal(str, str)
    #: a panel's stage state changed (the stepper re-reads every panel)
    stages_changed = Signal()
    #: a long job reports progress (title, Progress) / ended (message): the status bar shows it
    job_progress = Signal(str, object)
    job_finished = Signal(str)
    #: something the user should read while work goes on: (level "info"|"warning", text)
    notice = Signal(str, str)
    #: a job was submitted to a queue, or ended
    jobs_changed = Signal()
    #: a job was submitted (its JobHandle)
    job_submitted = Signal(object)
    #: the GPU's memory became known (the Video stage's defaults follow it)
    card_changed = Signal()
    #: every server's health was read again (the Servers panel, the stage pickers)
    servers_changed = Signal()

    def __init__(
        self, paths: UserPaths, settings: Settings, project: Project | None = None
    ) -> None:
        super().__init__()
        self.paths = paths
        self.settings = settings
        self.writer = BackgroundWriter(on_error=self._on_write_error)
        #: the scene's undo history (one per window; cleared when another project opens)
        self.undo_stack = QUndoStack(self)
        self.project: Project | None = None
        #: what runs took on this machine (the estimates come from it)
        self.timings = TimingStore(paths.data_dir / "timings.json")
        self._clients: dict[str, ComfyClient] = {}
        self._queues: dict[str, JobQueue] = {}
        #: the memory of the GPU ComfyUI renders on (None until read; it sets video defaults)
        self.card_bytes: int | None = None
        #: the last health of each enabled ComfyUI server (ui.servers_monitor keeps it current)
        self.healths: list[ServerHealth] = []
        if project is not None:
            self.set_project(project)

    # -- project ---------------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        """Show this project (None: no project open; the window shows its start page)."""
        if self.project is not None and project is not self.project:
            self.project_closing.emit()  # edits still waiting for their autosave land here
            self.project.save()
        if project is not None:
            project.writer = self.writer
            self.settings.last_project = str(project.root)
            self.remember_recent(project.root)
        else:
            self.settings.last_project = ""
        self.project = project
        self.save_settings()
        self.project_changed.emit(project)
        self.scene_changed.emit(project.data.scene if project else None)
        self.stages_changed.emit()

    def remember_recent(self, root: Path) -> None:
        path = str(Path(root))
        recent = [p for p in self.settings.recent_projects if p != path]
        self.settings.recent_projects = [path, *recent][:RECENT_KEPT]

    def maybe_name_from_topic(self, topic: str) -> None:
        """A new project takes its name from its topic, once there is one (until the user names
        it). A project that holds no take yet also moves to a folder of that name, on the writer
        thread, after everything already queued for the old folder."""
        project = self.project
        if project is None or not project.data.auto_name or not topic.strip():
            return
        if project.data.name != UNTITLED and not project.data.name.startswith(UNTITLED + " "):
            return
        project.data.name = default_project_name(topic)
        project.data.auto_name = False
        if not project.data.takes and project.root.parent == self.projects_dir():
            old = project.root
            new = free_folder(old.parent, project.data.name)
            self.writer.call(lambda: old.rename(new))
            project.root = new
            self.settings.last_project = str(new)
            self.settings.recent_projects = [
                p for p in self.settings.recent_projects if p != str(old)
            ]
            self.remember_recent(new)
            self.save_settings()
        project.save()
        self.project_renamed.emit(project)

    @property
    def scene(self) -> Scene | None:
        return self.project.data.scene if self.project else None

    def set_scene(
        self, scene: Scene | None, raw_reply: str | None = None, topic: str | None = None
    ) -> None:
        if self.project is None:
            return
        self.project.set_scene(scene, raw_reply=raw_reply, topic=topic)
        self.scene_changed.emit(scene)
        self.stages_changed.emit()

    def notify_takes(self, stage: str) -> None:
        self.takes_changed.emit(stage)
        self.stages_changed.emit()

    def projects_dir(self) -> Path:
        """Where new projects go: the folder chosen in Settings, else the per-user default."""
        chosen = self.settings.projects_dir.strip()
        return Path(chosen).expanduser() if chosen else self.paths.projects_dir

    # -- servers ----------------------------------------------------------------------------
    def comfy_client(self) -> ComfyClient:
        """The shared ComfyUI client of the configured server. Creating it does no I/O."""
        return self.client_for(self.settings.comfyui_url)

    def client_for(self, url: str) -> ComfyClient:
        """One client (one WebSocket) per server: a job is picked up where it was sent."""
        from vidgen_desktop.comfy.client import ComfyClient  # off the start-up path

        key = url.rstrip("/")
        if key not in self._clients:
            self._clients[key] = ComfyClient(
                key,
                headers=self.settings.auth_headers(key),
                reattach_window_s=self.settings.reattach_window_s,
            )
        return self._clients[key]

    def _settle_clients(self) -> None:
        """A header or re-attach window changed in Settings: the clients follow (creating a
        session again is not needed: requests takes the header per request)."""
        for key, client in self._clients.items():
            client.set_headers(self.settings.auth_headers(key))
            client.reattach_window_s = self.settings.reattach_window_s

    def set_healths(self, healths: list[ServerHealth]) -> None:
        self.healths = list(healths)
        self.servers_changed.emit()

    def server_for(self, stage: str, workflow: str | None = None) -> str:
        """Where a stage's next job goes (GUI thread, no I/O: from the last health readings):
        its pinned server, else the idlest healthy one that can run the workflow (our own jobs
        waiting for each server count), else the main server (its errors are the ones shown)."""
        from vidgen_desktop.core.settings import AUTOMATIC
        from vidgen_desktop.pipeline.servers import pick_server

        pinned = self.settings.pinned_server(stage)
        if pinned != AUTOMATIC:
            return pinned
        urls = {e.url.rstrip("/") for e in self.settings.comfy_servers()}
        load = {q.server: len(q.jobs()) for q in self._queues.values()}
        known = [h for h in self.healths if h.url.rstrip("/") in urls]
        best = pick_server(known, stage, workflow, load=load)
        return best.url if best is not None else self.settings.comfyui_url.rstrip("/")

    # -- jobs -------------------------------------------------------------------------------
    def queue_for(self, server: str) -> JobQueue:
        """The job queue of one ComfyUI server (made on first use)."""
        from vidgen_desktop.ui.job_queue import JobQueue

        key = server.rstrip("/")
        if key not in self._queues:
            self._queues[key] = JobQueue(key, self)
            self._queues[key].changed.connect(self.jobs_changed)
            self._queues[key].submitted.connect(self.job_submitted)
        return self._queues[key]

    def running_jobs(self) -> list[JobHandle]:
        return [job for queue in self._queues.values() for job in queue.jobs()]

    def queues(self) -> list[JobQueue]:
        return list(self._queues.values())

    def set_card_bytes(self, total: int | None) -> None:
        if total and total != self.card_bytes:
            self.card_bytes = total
            self.card_changed.emit()

    # -- settings --------------------------------------------------------------------------
    def save_settings(self) -> None:
        self.writer.write_text(self.paths.settings_file, self.settings.model_dump_json(indent=2))

    def update_settings(self) -> None:
        self._settle_clients()
        self.save_settings()
        self.settings_changed.emit()

    def _on_write_error(self, path: Path, exc: Exception) -> None:
        # Called on the writer thread: a signal hops it to the GUI thread.
        self.storage_error.emit(str(path), getattr(exc, "message", str(exc)))

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self.writer.flush()
        self.writer.close()
