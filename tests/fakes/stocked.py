"""Recorded /object_info made to look like a server that has our workflows' models and packs.

The recordings come from model-free servers (every loader list is empty). Stage tests that should
get past preflight serve this instead; tests of "missing model" serve the recording as it is.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.shared_data import TRANSCRIPTS
from vidgen_desktop.workflow import shipped_workflows

PACKS = ("qwen_tts", "tts_audio_suite", "vibevoice")


def recorded_object_info(version: str = "0.25", with_packs: bool = True) -> dict[str, Any]:
    folder = TRANSCRIPTS / ("v0.25" if version == "0.25" else "v0.3.64")
    info = json.loads((folder / "comfyui_object_info.json").read_text(encoding="utf-8"))
    if with_packs and version == "0.25":
        for pack in PACKS:
            info.update(
                json.loads((folder / f"comfyui_object_info_{pack}.json").read_text("utf-8"))
            )
    return info


def stock(info: dict[str, Any], files: dict[tuple[str, str], list[str]]) -> dict[str, Any]:
    """A copy whose loader combos (class, input) list exactly `files`; both combo encodings."""
    stocked = dict(info)
    for (class_type, name), names in files.items():
        definition = copy.deepcopy(stocked[class_type])
        for section in ("required", "optional"):
            spec = (definition["input"].get(section) or {}).get(name)
            if spec is None:
                continue
            if spec[0] == "COMBO":
                spec[1]["options"] = list(names)
            else:
                spec[0] = list(names)
        stocked[class_type] = definition
    return stocked


def stocked_object_info(version: str = "0.25") -> dict[str, Any]:
    """Recorded object_info with every shipped workflow's model files present."""
    info = recorded_object_info(version)
    files: dict[tuple[str, str], list[str]] = {}
    for wf in shipped_workflows():
        for model in wf.manifest.models:
            node = wf.graph.get(model.node)
            if node is None:
                continue
            files.setdefault((node.class_type, model.input), []).append(model.file)
    return stock(info, files)
