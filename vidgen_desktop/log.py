"""Rotating per-user log file; the first thing to ask a user for when something goes wrong."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"


_OURS = ("vidgen-file", "vidgen-console")


def setup_logging(log_file: Path, level: int = logging.INFO, console: bool = False) -> None:
    root = logging.getLogger()
    if any(h.get_name() in _OURS for h in root.handlers):
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.set_name("vidgen-file")
    root.addHandler(handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        stream.set_name("vidgen-console")
        root.addHandler(stream)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "urllib3", "websocket"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
