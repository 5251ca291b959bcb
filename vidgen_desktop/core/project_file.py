"""project.json on disk: versioned, migrated, written atomically, never lost.

Every save first keeps the file it replaces in `backups/` (a hard link, so it costs no copy),
when that file is good: a small rolling set, one slot per minute of work, so a burst of autosaves
while typing does not push the older backups out. Opening a damaged project.json (corrupt,
truncated, empty, half-written) falls back to the newest good backup; the damaged file is kept
beside it under a new name and never overwritten. With no usable backup, opening fails with
`ProjectDamaged`, naming the file and the reason, and nothing on disk is touched.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vidgen_desktop.core.atomic import write_text_atomic
from vidgen_desktop.core.errors import InvalidInput, StorageError

log = logging.getLogger(__name__)

PROJECT_FILE = "project.json"
BACKUP_DIR = "backups"
#: how many backups are kept, and how far apart (s) two of them must be
BACKUPS_KEPT = 10
BACKUP_SPACING_S = 60.0
SCHEMA_VERSION = 2


class ProjectDamaged(InvalidInput):
    """project.json cannot be read and no backup can stand in for it."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"The project file {path} cannot be read: {reason}",
            detail=reason,
            hint="No usable backup was found in its backups folder. The file was left as it is.",
        )
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Recovery:
    """What opening did instead of reading project.json."""

    damaged: Path  # the damaged file as it was (kept under a new name)
    backup: Path  # the backup the project was opened from
    backup_time: datetime  # when that backup was written (its modification time)
    reason: str  # why project.json could not be read

    def sentence(self) -> str:
        when = self.backup_time.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        return (
            f"{self.damaged.parent / PROJECT_FILE} was damaged ({self.reason}); the project was "
            f"opened from its backup of {when} ({self.backup.name}). The damaged file is kept "
            f"as {self.damaged.name}."
        )


# ---- reading -------------------------------------------------------------------------------------


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring an older file's dict up to SCHEMA_VERSION (each step is additive and idempotent)."""
    version = int(raw.get("schema_version", 1) or 1)
    if version > SCHEMA_VERSION:
        raise InvalidInput(
            f"{PROJECT_FILE} was written by a newer VidGen Desktop (format {version}); "
            "update the app to open it."
        )
    if version < 2:
        # v1 → v2: scene versions, the stage the user was on, what each take was made from.
        # Absent fields take their defaults, so a v1 file opens unchanged.
        raw.setdefault("versions", [])
        raw.setdefault("current_stage", "script")
    raw["schema_version"] = SCHEMA_VERSION
    return raw


def parse(text: str) -> dict[str, Any]:
    """The migrated dict of one file's text; ValueError (with the reason) when it is unusable."""
    if not text.strip():
        raise ValueError("the file is empty")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"it is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "it may have been cut off"
        ) from exc
    if not isinstance(raw, dict):
        raise ValueError("it does not hold a project")
    return migrate(raw)


def backups(root: Path) -> list[Path]:
    """The backups, newest first."""
    folder = Path(root) / BACKUP_DIR
    try:
        found = [
            p for p in folder.iterdir() if p.name.startswith("project-") and p.suffix == ".json"
        ]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.name, reverse=True)


def read(root: Path, validate: Any) -> tuple[Any, Recovery | None]:
    """(validated data, recovery or None). `validate(dict)` turns a dict into the model (it may
    raise ValueError). Raises InvalidInput when there is no project here, ProjectDamaged when
    neither the file nor any backup can be used."""
    root = Path(root)
    path = root / PROJECT_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidInput(f"{root} is not a VidGen project (no {PROJECT_FILE}).") from exc
    except (OSError, UnicodeDecodeError) as exc:
        text, reason = None, f"it cannot be read ({exc})"
    if text is not None:
        try:
            return validate(parse(text)), None
        except InvalidInput:
            raise  # a newer format: not damage, and no backup should stand in for it
        except ValueError as exc:
            reason = _reason(exc)
    for backup in backups(root):
        try:
            data = validate(parse(backup.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            log.warning("backup %s is not usable either: %s", backup, exc)
            continue
        damaged = _keep_damaged(path)
        shutil.copyfile(backup, path)
        when = datetime.fromtimestamp(backup.stat().st_mtime, UTC)
        log.warning("%s was damaged (%s); opened from %s", path, reason, backup)
        return data, Recovery(damaged, backup, when, reason)
    raise ProjectDamaged(path, reason)


def _reason(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):  # a pydantic ValidationError: name the first field
        first = errors()[0] if errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return f"{where or 'a field'}: {first.get('msg', 'invalid')}"
    return str(exc)


def _keep_damaged(path: Path) -> Path:
    """Move the damaged file aside under a name that overwrites nothing; return that name."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"project.damaged-{stamp}.json")
    n = 1
    while target.exists():
        target = path.with_name(f"project.damaged-{stamp}-{n}.json")
        n += 1
    if path.exists():
        os.replace(path, target)
    return target


# ---- writing -------------------------------------------------------------------------------------


def write(root: Path, text: str) -> None:
    """Keep the file being replaced as a backup (when it is good), then write atomically."""
    path = Path(root) / PROJECT_FILE
    _keep_backup(path)
    write_text_atomic(path, text)


def _keep_backup(path: Path) -> None:
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("cannot read %s to back it up: %s", path, exc)
        return
    try:
        parse(old)
    except (ValueError, InvalidInput):
        return  # never let a damaged file push a good backup out
    folder = path.parent / BACKUP_DIR
    try:
        folder.mkdir(exist_ok=True)
        kept = backups(path.parent)
        if kept and time.time() - kept[0].stat().st_mtime < BACKUP_SPACING_S:
            kept[0].unlink()  # the newest slot holds the last good file of this minute
            kept = kept[1:]
        target = folder / f"project-{datetime.now():%Y%m%d-%H%M%S-%f}.json"
        try:
            os.link(path, target)  # the old file's inode lives on: no copy needed
        except OSError:
            shutil.copyfile(path, target)  # file systems without hard links
        for extra in kept[BACKUPS_KEPT - 1 :]:
            extra.unlink(missing_ok=True)
    except OSError as exc:
        # a backup we cannot make must not stop the save itself; the atomic write still holds
        log.warning("could not back up %s: %s", path, exc)
        if getattr(exc, "errno", None) == 28:
            raise StorageError(
                f"The disk is full: could not back up {path.name}.", detail=str(exc)
            ) from exc
