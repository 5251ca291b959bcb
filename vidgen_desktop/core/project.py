"""A project is a folder on disk: project.json (scene, takes, choices) plus one folder per stage.

Everything a stage produces is written here as soon as it exists, so closing the app (or a crash)
loses nothing already generated. project.json is rewritten atomically after every change.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vidgen_desktop.core.atomic import BackgroundWriter, write_text_atomic
from vidgen_desktop.core.errors import InvalidInput, StorageError
from vidgen_desktop.core.safe_names import safe_join, sanitize_filename
from vidgen_desktop.core.scene import Scene

log = logging.getLogger(__name__)

PROJECT_FILE = "project.json"
SCHEMA_VERSION = 1
Stage = Literal["script", "voice", "image", "video"]
TakeKind = Literal["image", "audio", "video"]
STAGES: tuple[str, ...] = ("script", "voice", "image", "video")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Take(BaseModel):
    """One result of a stage (generated or imported), kept so the user can compare and pick."""

    model_config = ConfigDict(extra="ignore")
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    stage: str
    file: str  # relative to the project folder, always forward slashes
    kind: TakeKind
    source: Literal["generated", "imported"] = "generated"
    created: str = Field(default_factory=_now)
    seed: int | None = None
    workflow: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)
    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    #: what the server reported (prompt id, timings): for the log and the take's tooltip
    info: dict[str, Any] = Field(default_factory=dict)


class ProjectData(BaseModel):
    model_config = ConfigDict(extra="ignore")
    schema_version: int = SCHEMA_VERSION
    name: str = "Untitled"
    created: str = Field(default_factory=_now)
    topic: str = ""
    scene: Scene | None = None
    #: the last raw LLM reply, kept even when it did not validate, so nothing is lost
    raw_reply: str = ""
    takes: list[Take] = Field(default_factory=list)
    chosen: dict[str, str] = Field(default_factory=dict)
    #: per-stage inputs the user set (prompts, sizes, seeds), restored when the project reopens
    stage_inputs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: stages that were running when the app last stopped (marked "interrupted" on open)
    running: list[str] = Field(default_factory=list)


class Project:
    def __init__(
        self, root: Path, data: ProjectData, writer: BackgroundWriter | None = None
    ) -> None:
        self.root = Path(root)
        self.data = data
        #: when set (the GUI), saves are queued to this writer instead of blocking the caller
        self.writer = writer

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(
        cls, root: Path, name: str | None = None, writer: BackgroundWriter | None = None
    ) -> Project:
        root = Path(root)
        if (root / PROJECT_FILE).exists():
            return cls.open(root, writer)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Cannot create the project folder {root}.", detail=str(exc)
            ) from exc
        project = cls(root, ProjectData(name=name or root.name))
        project.save()
        project.writer = writer
        return project

    @classmethod
    def open(cls, root: Path, writer: BackgroundWriter | None = None) -> Project:
        root = Path(root)
        path = root / PROJECT_FILE
        try:
            data = ProjectData.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise InvalidInput(f"{root} is not a VidGen project (no {PROJECT_FILE}).") from exc
        except (ValueError, ValidationError) as exc:
            raise InvalidInput(
                f"The project file {path} is damaged and cannot be read.", detail=str(exc)
            ) from exc
        if data.schema_version > SCHEMA_VERSION:
            raise InvalidInput(
                f"{path.name} was written by a newer VidGen Desktop; update the app to open it."
            )
        project = cls(root, data, writer)
        if data.running:
            log.warning("project %s: stages %s were interrupted last time", root, data.running)
        # Drop takes whose files vanished (deleted by hand) rather than showing broken thumbnails.
        data.takes = [t for t in data.takes if (root / t.file).exists()]
        return project

    def save(self) -> None:
        text = self.data.model_dump_json(indent=2)
        if self.writer is not None:
            self.writer.write_text(self.root / PROJECT_FILE, text)
        else:
            write_text_atomic(self.root / PROJECT_FILE, text)

    # -- scene -----------------------------------------------------------------------------
    def set_scene(
        self, scene: Scene | None, raw_reply: str | None = None, topic: str | None = None
    ) -> None:
        self.data.scene = scene
        if raw_reply is not None:
            self.data.raw_reply = raw_reply
        if topic is not None:
            self.data.topic = topic
        self.save()

    # -- takes -----------------------------------------------------------------------------
    def stage_dir(self, stage: str) -> Path:
        d = safe_join(self.root, stage)
        d.mkdir(parents=True, exist_ok=True)
        return d

    def unique_path(self, stage: str, server_name: str) -> Path:
        """A new, sanitised path in the stage folder; never overwrites an earlier take."""
        name = sanitize_filename(server_name, fallback=f"{stage}.bin")
        target = safe_join(self.stage_dir(stage), name)
        stem, suffix = target.stem, target.suffix
        n = 1
        while target.exists():
            target = target.with_name(f"{stem}_{n}{suffix}")
            n += 1
        return target

    def relative(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()

    def add_take(self, take: Take, choose: bool = True) -> Take:
        self.data.takes.append(take)
        if choose:
            self.data.chosen[take.stage] = take.id
        self.save()
        return take

    def import_file(self, stage: str, source: Path, kind: TakeKind, **fields: Any) -> Take:
        source = Path(source)
        if not source.is_file():
            raise InvalidInput(f"{source} is not a file.")
        target = self.unique_path(stage, source.name)
        try:
            shutil.copyfile(source, target)
        except OSError as exc:
            raise StorageError(
                f"Could not copy {source.name} into the project.", detail=str(exc)
            ) from exc
        take = Take(stage=stage, file=self.relative(target), kind=kind, source="imported", **fields)
        return self.add_take(take)

    def takes_for(self, stage: str) -> list[Take]:
        return [t for t in self.data.takes if t.stage == stage]

    def chosen_take(self, stage: str) -> Take | None:
        wanted = self.data.chosen.get(stage)
        for take in self.takes_for(stage):
            if take.id == wanted:
                return take
        return None

    def choose(self, stage: str, take_id: str) -> None:
        self.data.chosen[stage] = take_id
        self.save()

    def path_of(self, take: Take) -> Path:
        return safe_join(self.root, take.file)

    def mark_running(self, stage: str, running: bool) -> None:
        if running and stage not in self.data.running:
            self.data.running.append(stage)
        elif not running and stage in self.data.running:
            self.data.running.remove(stage)
        self.save()


def default_project_name(topic: str) -> str:
    slug = re.sub(r"[^\w\- ]+", "", topic).strip().replace(" ", "-")[:40] or "project"
    return f"{datetime.now().strftime('%Y-%m-%d')}-{slug}"
