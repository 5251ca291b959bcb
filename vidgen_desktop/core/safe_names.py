"""Turn server-given file names into names that are safe on every OS and stay inside a folder.

ComfyUI names outputs (`filename`, `subfolder`); a hostile or buggy server must never make us
write outside the project folder.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from vidgen_desktop.core.errors import StorageError

_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
_BAD_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def sanitize_filename(name: str, fallback: str = "file") -> str:
    """One path component: no separators, no dot-only names, no control or bidi characters."""
    name = unicodedata.normalize("NFC", str(name))
    # drop format characters (bidi overrides, zero-width) that disguise extensions
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Co"))
    name = name.replace("\\", "/").split("/")[-1]
    name = _BAD_CHARS.sub("_", name).strip().strip(".").strip()
    if not name or set(name) <= {".", "_", " "}:
        name = fallback
    stem, dot, ext = name.partition(".")
    if stem.upper() in _WINDOWS_RESERVED:
        name = f"_{name}"
    if len(name.encode("utf-8")) > 180:
        suffix = Path(name).suffix[:16]
        name = name.encode("utf-8")[: 180 - len(suffix.encode())].decode("utf-8", "ignore") + suffix
    return name


def safe_join(root: Path, *parts: str) -> Path:
    """Join sanitised components under root, and prove the result is still inside root."""
    root = Path(root).resolve()
    clean: list[str] = []
    for part in parts:
        for piece in str(part).replace("\\", "/").split("/"):
            if piece in ("", ".", ".."):
                continue
            clean.append(sanitize_filename(piece))
    target = root.joinpath(*clean).resolve()
    if target != root and root not in target.parents:
        raise StorageError(f"Refused to write outside the project folder: {'/'.join(parts)!r}")
    return target
