"""VidGen Desktop: topic → script → voice → image → talking video, on the user's own GPU."""

from importlib import metadata as _metadata


def _read_version() -> str:
    # One source of truth: pyproject's version, as installed (the frozen build copies the metadata).
    try:
        return _metadata.version("vidgen-desktop")
    except _metadata.PackageNotFoundError:  # running from a bare source tree
        return "0.0.0+source"


__version__ = _read_version()
APP_NAME = "VidGen Desktop"
APP_ID = "vidgen-desktop"
