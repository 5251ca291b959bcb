"""A project is a folder on disk: project.json (scene, its versions, takes, choices, every stage's
inputs) plus one folder per stage.

Everything a stage produces is written here as soon as it exists, so closing the app (or a crash)
loses nothing already generated. project.json is rewritten atomically after every change, with
rolling backups and recovery from them (core.project_file). Paths inside are relative to the
folder, so a project that is moved or renamed on disk still opens.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vidgen_desktop.core import project_file
from vidgen_desktop.core.atomic import BackgroundWriter
from vidgen_desktop.core.errors import InvalidInput, StorageError
from vidgen_desktop.core.project_file import PROJECT_FILE, SCHEMA_VERSION, Recovery
from vidgen_desktop.core.safe_names import safe_join, sanitize_filename
from vidgen_desktop.core.scene import Scene

log = logging.getLogger(__name__)

Stage = Literal["script", "voice", "image", "video"]
TakeKind = Literal["image", "audio", "video"]
#: how a scene version came to be: the model wrote it (whole, or one field), the user edited it,
#: or an older version was restored
VersionOrigin = Literal["generated", "edited", "field", "restored"]
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
    #: what it was made from: each input's fingerprint ("text" → hash) and the upstream takes
    #: ("take:image" → take id); a stage whose inputs differ now is out of date
    made_from: dict[str, str] = Field(default_factory=dict)
    #: a cheap preview of the real job: shown with a badge, never chosen by itself
    draft: bool = False


class SceneVersion(BaseModel):
    """A scene as it was: written by the model, edited by hand, or restored. Nothing a user
    wrote is replaced without its version being kept first."""

    model_config = ConfigDict(extra="ignore")
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:10])
    created: str = Field(default_factory=_now)
    origin: VersionOrigin = "generated"
    scene: Scene
    topic: str = ""
    model: str = ""
    #: the generation options it was written with (context, temperature, max tokens, seed)
    options: dict[str, Any] = Field(default_factory=dict)
    note: str = ""


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
    #: every scene the model wrote, and the hand edits kept before each new one
    versions: list[SceneVersion] = Field(default_factory=list)
    #: the stage the user was on, shown again when the project reopens
    current_stage: str = "script"
    #: the name still follows the topic (False once the user named the project)
    auto_name: bool = True


class Project:
    def __init__(
        self, root: Path, data: ProjectData, writer: BackgroundWriter | None = None
    ) -> None:
        self.root = Path(root)
        self.data = data
        #: when set (the GUI), saves are queued to this writer instead of blocking the caller
        self.writer = writer
        #: set when project.json was damaged and the project opened from a backup
        self.recovery: Recovery | None = None
        #: ids of takes whose files are gone (deleted or moved by hand): shown, never dropped
        self.missing: set[str] = set()

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
        """Open a project folder (or its project.json). A damaged file opens from its newest good
        backup (`recovery` says so); with none, ProjectDamaged names the file and the reason."""
        root = Path(root)
        if root.name == PROJECT_FILE:
            root = root.parent
        data, recovery = project_file.read(root, ProjectData.model_validate)
        project = cls(root, data, writer)
        project.recovery = recovery
        project.missing = {t.id for t in data.takes if not (root / t.file).exists()}
        if project.missing:
            log.warning("project %s: %d take file(s) are missing", root, len(project.missing))
        return project

    def save(self) -> None:
        text = self.data.model_dump_json(indent=2)
        if self.writer is not None:
            self.writer.write(self.root / PROJECT_FILE, text, _write_project)
        else:
            project_file.write(self.root, text)

    @property
    def name(self) -> str:
        return self.data.name

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

    def add_take(self, take: Take, choose: bool | None = None) -> Take:
        """Keep the take; it becomes the stage's chosen one unless it is a draft (or `choose`
        says otherwise)."""
        self.data.takes.append(take)
        self.missing.discard(take.id)
        if choose if choose is not None else not take.draft:
            self.data.chosen[take.stage] = take.id
        self.save()
        return take

    def copy_in(self, stage: str, source: Path, kind: TakeKind, **fields: Any) -> Take:
        """Copy a user's file into the stage folder (never over an earlier take); its Take, not yet
        added (the GUI adds it on its own thread)."""
        from vidgen_desktop.core.media_info import duration_seconds

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
        fields.setdefault("duration_s", duration_seconds(target) if kind != "image" else None)
        fields.setdefault("settings", {"imported from": source.name})
        return Take(stage=stage, file=self.relative(target), kind=kind, source="imported", **fields)

    def import_file(self, stage: str, source: Path, kind: TakeKind, **fields: Any) -> Take:
        return self.add_take(self.copy_in(stage, source, kind, **fields))

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

    def is_missing(self, take: Take) -> bool:
        return take.id in self.missing

    # -- versions --------------------------------------------------------------------------
    def add_version(self, scene: Scene, origin: VersionOrigin, **fields: Any) -> SceneVersion:
        fields.setdefault("topic", self.data.topic)
        version = SceneVersion(scene=scene, origin=origin, **fields)
        self.data.versions.append(version)
        self.save()
        return version

    def keep_edits(self) -> SceneVersion | None:
        """Before the scene is replaced: the current one becomes a version unless one holds it."""
        scene = self.data.scene
        if scene is None or any(v.scene == scene for v in self.data.versions[-20:]):
            return None
        return self.add_version(scene, "edited")

    def version(self, version_id: str) -> SceneVersion | None:
        return next((v for v in self.data.versions if v.id == version_id), None)

    def current_version(self) -> SceneVersion | None:
        """The newest version equal to the scene as it is now (None: edited since)."""
        scene = self.data.scene
        return next((v for v in reversed(self.data.versions) if v.scene == scene), None)


UNTITLED = "Untitled"


def default_project_name(topic: str) -> str:
    """A project's name from its topic: "2026-12-01 a lighthouse keeper's last night" (trimmed)."""
    words = " ".join(topic.split())[:60].rstrip()
    return f"{datetime.now():%Y-%m-%d} {words}" if words else UNTITLED


def folder_name(name: str) -> str:
    """A folder name for a project name that is safe on every OS."""
    return sanitize_filename(name, fallback=UNTITLED).rstrip(". ") or UNTITLED


def free_folder(parent: Path, name: str) -> Path:
    """parent/name, or "name 2", "name 3"… when that is taken."""
    base = folder_name(name)
    root, n = Path(parent) / base, 1
    while root.exists():
        n += 1
        root = Path(parent) / f"{base} {n}"
    return root


def project_root_of(path: Path | str) -> Path | None:
    """The project folder a dropped or typed path means (the folder or its project.json)."""
    path = Path(path)
    if path.name == PROJECT_FILE and path.is_file():
        return path.parent
    if path.is_dir() and (path / PROJECT_FILE).is_file():
        return path
    return None


def looks_like_project(path: Path | str) -> bool:
    """Cheap, by name only (for a drag that has not dropped yet): a project.json or a folder."""
    path = Path(path)
    return path.name == PROJECT_FILE or (path.suffix == "" and (path / PROJECT_FILE).exists())


def _write_project(path: Path, text: str) -> None:
    project_file.write(path.parent, text)
