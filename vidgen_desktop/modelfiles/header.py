"""What a weight file says about itself, read from its header alone (never the weights).

A safetensors file starts with an 8-byte little-endian length and a JSON header naming every
tensor with its dtype and shape (plus an optional `__metadata__` of strings); a GGUF file starts
with typed key/value metadata and a tensor table. Both are a few hundred kilobytes at most even
for a 28 GB file, so reading them is cheap enough to do for a whole model folder.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: a real header is well under this; anything bigger is not a safetensors file
MAX_HEADER_BYTES = 100 * 1024 * 1024


class BadModelFile(Exception):
    """The file is not a readable safetensors/GGUF file (truncated, another format, damaged)."""


@dataclass(frozen=True)
class Tensor:
    dtype: str  # as the file spells it: "BF16", "F8_E4M3", "Q4_K"…
    shape: tuple[int, ...]

    @property
    def count(self) -> int:
        return math.prod(self.shape) if self.shape else 1


@dataclass
class Header:
    format: str  # "safetensors" or "gguf"
    tensors: dict[str, Tensor]
    metadata: dict[str, Any] = field(default_factory=dict)

    def params(self) -> int:
        return sum(t.count for t in self.tensors.values())


def read_safetensors(path: Path) -> Header:
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise BadModelFile(f"{path.name} is too short to be a safetensors file")
            (length,) = struct.unpack("<Q", head)
            if not 2 <= length <= MAX_HEADER_BYTES:
                raise BadModelFile(f"{path.name} does not start with a safetensors header")
            raw = fh.read(length)
    except OSError as exc:
        raise BadModelFile(f"{path.name} cannot be read: {exc.strerror or exc}") from exc
    if len(raw) < length:
        raise BadModelFile(f"{path.name} is truncated inside its header")
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadModelFile(f"{path.name} has a damaged safetensors header") from exc
    if not isinstance(doc, dict):
        raise BadModelFile(f"{path.name} has a damaged safetensors header")
    meta = doc.pop("__metadata__", None)
    tensors: dict[str, Tensor] = {}
    for name, info in doc.items():
        if not isinstance(info, dict) or "dtype" not in info or "shape" not in info:
            raise BadModelFile(f"{path.name}: tensor {name!r} has no dtype or shape")
        tensors[name] = Tensor(str(info["dtype"]), tuple(int(x) for x in info["shape"]))
    return Header("safetensors", tensors, meta if isinstance(meta, dict) else {})


def read_gguf(path: Path) -> Header:
    """Through the `gguf` package (llama.cpp's own reader); it maps the file, so only the pages
    holding the metadata and the tensor table are read."""
    try:
        from gguf import GGUFReader
    except ImportError as exc:  # pragma: no cover - a dependency
        raise BadModelFile("the gguf package is missing") from exc
    try:
        reader = GGUFReader(path, "r")
    except (OSError, ValueError, struct.error, IndexError) as exc:
        raise BadModelFile(f"{path.name} is not a readable GGUF file: {exc}") from exc
    meta: dict[str, Any] = {}
    for key, fld in reader.fields.items():
        if key.startswith("GGUF.") or key.startswith("tokenizer."):
            continue  # the vocabulary can be megabytes and says nothing about the model
        try:
            meta[key] = fld.contents()
        except Exception:  # an odd field type: skip it, the rest still tells
            continue
    tensors = {
        t.name: Tensor(t.tensor_type.name, tuple(int(x) for x in reversed(t.shape.tolist())))
        for t in reader.tensors
    }
    return Header("gguf", tensors, meta)


def read_header(path: Path) -> Header:
    """By content, not by extension: a renamed file is still read for what it is."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise BadModelFile(f"{path.name} cannot be read: {exc.strerror or exc}") from exc
    if magic == b"GGUF":
        return read_gguf(path)
    return read_safetensors(path)


__all__ = ["BadModelFile", "Header", "Tensor", "read_gguf", "read_header", "read_safetensors"]
