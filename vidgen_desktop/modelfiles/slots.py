"""The model slots of a workflow (each loader input) and whether a file fits one.

A slot expects a kind and a family (the manifest's `family`/`variant`, else what the shipped
file is known to be); a file whose header says otherwise is flagged before anything is queued
("this file is an SD 1.5 checkpoint, the workflow expects SDXL") with the files that fit
offered instead. A file we could not recognise is never called wrong, only "not recognised".
The user's choice is applied to the graph (`with_models`) so preflight and binding see it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vidgen_desktop.modelfiles import identity as ids
from vidgen_desktop.modelfiles.identity import ModelIdentity
from vidgen_desktop.modelfiles.names import FOLDER_KINDS
from vidgen_desktop.workflow.models import is_link
from vidgen_desktop.workflow.packs import LOADER_FOLDERS

if TYPE_CHECKING:
    from vidgen_desktop.modelfiles.catalog import Catalog
    from vidgen_desktop.workflow.loader import Workflow

_LOADER_KINDS = {
    "CheckpointLoaderSimple": ids.CHECKPOINT,
    "ImageOnlyCheckpointLoader": ids.CHECKPOINT,
    "UNETLoader": ids.DIFFUSION_MODEL,
    "UnetLoaderGGUF": ids.DIFFUSION_MODEL,
    "CLIPLoader": ids.TEXT_ENCODER,
    "DualCLIPLoader": ids.TEXT_ENCODER,
    "VAELoader": ids.VAE,
    "AudioEncoderLoader": ids.AUDIO_ENCODER,
    "LoraLoader": ids.LORA,
    "LoraLoaderModelOnly": ids.LORA,
}


@dataclass(frozen=True)
class Slot:
    node: str
    input: str
    class_type: str
    folder: str
    file: str  # what the workflow names now
    kind: str
    family: str = ""
    variant: str = ""
    optional: bool = False
    url: str = ""

    @property
    def key(self) -> str:
        return f"{self.node}.{self.input}"

    def expects(self) -> str:
        kind = "" if self.family.endswith(self.kind) else self.kind
        return " ".join(p for p in (self.family, self.variant, kind) if p) or self.kind


def slots_of(workflow: Workflow) -> list[Slot]:
    graph = workflow.api_graph()
    listed = {(m.node, m.input): m for m in workflow.manifest.models}
    slots: list[Slot] = []
    for node_id, node in graph.items():
        ctype = node["class_type"]
        for name, value in node.get("inputs", {}).items():
            folder = LOADER_FOLDERS.get((ctype, name))
            model = listed.get((node_id, name))
            if (folder is None and model is None) or is_link(value):
                continue
            folder = model.folder if model is not None else str(folder)
            slots.append(
                Slot(
                    node=node_id,
                    input=name,
                    class_type=ctype,
                    folder=folder,
                    file=str(value),
                    kind=_LOADER_KINDS.get(ctype, FOLDER_KINDS.get(folder, ids.UNKNOWN)),
                    family=model.family if model is not None else "",
                    variant=model.variant if model is not None else "",
                    optional=bool(model and model.optional),
                    # the address is the shipped file's: not for a file the user chose
                    url=model.url if model is not None and str(value) == model.file else "",
                )
            )
    return slots


def _same_family(found: str, wanted: str) -> bool:
    """ "Wan" fits "Wan 2.2" (their T2V experts share every shape), "Qwen3-4B" fits itself."""
    f, w = found.lower(), wanted.lower()
    return f == w or f.startswith(w) or w.startswith(f + " ") or w.startswith(f)


def _article(what: str) -> str:
    """ "an SD 1.5 checkpoint", "an SDXL…", "a Flux…", "a UMT5-XXL…", "a LoRA…"."""
    first, second = what[:1], what[1:2]
    spelled = first.isupper() and (second.isupper() or second.isdigit() or second in " -")
    if spelled:
        return "an" if first in "AEFHILMNORSX" else "a"
    return "an" if first.lower() in "aeiou" else "a"


@dataclass(frozen=True)
class Fit:
    ok: bool | None  # None: we cannot tell
    reason: str = ""


def fit(ident: ModelIdentity, slot: Slot) -> Fit:
    if not ident.known:
        return Fit(None, f"{ident.file} was not recognised, so it cannot be checked.")
    what = ident.describe().split(" · ")[0]
    article = _article(what)
    if slot.kind == ids.LORA and ident.kind != ids.LORA:
        return Fit(False, f"{ident.file} is {article} {what}, not a LoRA.")
    if slot.kind != ids.LORA and ident.kind == ids.LORA:
        return Fit(False, f"{ident.file} is a LoRA; this slot loads {slot.expects()}.")
    kinds_ok = slot.kind == ident.kind or {slot.kind, ident.kind} <= {
        ids.CHECKPOINT,
        ids.DIFFUSION_MODEL,
    }
    if not kinds_ok and ident.kind != ids.UNKNOWN:
        return Fit(False, f"{ident.file} is {article} {what}; this slot loads {slot.expects()}.")
    if slot.family and not _same_family(ident.family, slot.family):
        return Fit(
            False, f"{ident.file} is {article} {what}; the workflow expects {slot.expects()}."
        )
    if slot.variant and ident.variant and _variants_differ(slot.variant, ident.variant):
        return Fit(
            False, f"{ident.file} is {article} {what}; the workflow expects {slot.expects()}."
        )
    return Fit(True)


_TASKS = {"t2v", "i2v", "s2v", "ti2v", "vace", "humo", "animate", "base", "refiner"}


def _aspects(variant: str) -> dict[str, str]:
    """A variant's words by what they say: size ("14b"), task ("s2v"), version ("1.5")."""
    out: dict[str, str] = {}
    for word in variant.lower().split():
        if re.fullmatch(r"\d+(\.\d+)?b", word):
            out["size"] = word
        elif word in _TASKS:
            out["task"] = word
        elif re.fullmatch(r"\d+\.\d+", word):
            out["version"] = word
    return out


def _variants_differ(wanted: str, found: str) -> bool:
    """Only what both say is compared: a name without a size is not the wrong size."""
    a, b = _aspects(wanted), _aspects(found)
    return any(a[k] != b[k] for k in a.keys() & b.keys())


def fitting(catalog: Catalog, slot: Slot) -> list[ModelIdentity]:
    """Files of the slot's folder that fit it, best first (header-read before name-guessed)."""
    found = [f for f in catalog.in_folder(slot.folder) if fit(f, slot).ok]
    return sorted(found, key=lambda f: (f.source != "header", f.file.lower()))


def with_models(workflow: Workflow, choices: dict[str, str]) -> Workflow:
    """The workflow loading the user's files ("node.input" -> file) instead of its own."""
    if not choices:
        return workflow
    changed = copy.copy(workflow)
    graph = {k: v.model_copy(deep=True) for k, v in workflow.graph.items()}
    for key, file in choices.items():
        node_id, _, name = key.partition(".")
        node = graph.get(node_id)
        if node is not None and name in node.inputs and not is_link(node.inputs[name]):
            node.inputs[name] = file
    changed.graph = graph
    return changed


__all__ = ["Fit", "Slot", "fit", "fitting", "slots_of", "with_models"]
