"""Per-user locations (config, data, logs, projects) so nothing lives in the install folder.

`VIDGEN_HOME` redirects everything under one folder: tests, portable installs and dev mode use it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from vidgen_desktop import APP_ID


@dataclass(frozen=True)
class UserPaths:
    config_dir: Path
    data_dir: Path
    log_dir: Path
    cache_dir: Path
    projects_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "vidgen.log"

    def ensure(self) -> UserPaths:
        for d in (self.config_dir, self.data_dir, self.log_dir, self.cache_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self


def user_paths() -> UserPaths:
    home = os.environ.get("VIDGEN_HOME")
    if home:
        root = Path(home)
        return UserPaths(
            config_dir=root / "config",
            data_dir=root / "data",
            log_dir=root / "logs",
            cache_dir=root / "cache",
            projects_dir=root / "projects",
        )
    dirs = platformdirs.PlatformDirs(APP_ID, appauthor=False)
    return UserPaths(
        config_dir=Path(dirs.user_config_dir),
        data_dir=Path(dirs.user_data_dir),
        log_dir=Path(dirs.user_log_dir),
        cache_dir=Path(dirs.user_cache_dir),
        projects_dir=Path(platformdirs.user_documents_dir()) / "VidGen Projects",
    )
