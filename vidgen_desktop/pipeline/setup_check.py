"""The set-up findings, shared by the Set-up page and `vidgen doctor`: is Ollama there (version,
models), is ComfyUI there (version, GPU, memory), and can each shipped workflow run on it — and
when it cannot, exactly what is missing: the node pack and how to install it, each model file
with its folder, size and source, and each file present whose content does not fit its slot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidgen_desktop.comfy.manager import Manager
from vidgen_desktop.comfy.manager import detect as detect_manager
from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.core.settings import DEFAULT_COMFYUI_URL, DEFAULT_OLLAMA_URL, Settings
from vidgen_desktop.modelfiles.catalog import Catalog, HeaderCache, catalog_for
from vidgen_desktop.modelfiles.download import partial_path, target_in
from vidgen_desktop.modelfiles.identity import ModelIdentity
from vidgen_desktop.modelfiles.slots import Slot, fit, fitting, slots_of, with_models
from vidgen_desktop.workflow import Workflow, shipped_workflows
from vidgen_desktop.workflow.models import ModelFile
from vidgen_desktop.workflow.preflight import Problem, ProblemKind, preflight

log = logging.getLogger(__name__)

#: `vidgen doctor` exits with this when a shipped workflow cannot run here
EXIT_NOT_READY = 8


@dataclass
class SlotFinding:
    """One model slot: missing, present but of the wrong kind, or fine."""

    slot: Slot
    state: str  # ok | missing | wrong | unknown
    message: str = ""
    identity: ModelIdentity | None = None
    alternatives: list[str] = field(default_factory=list)
    #: where a download would land on this machine ("" when the folder is not here)
    target_dir: str = ""
    #: bytes of an interrupted download of this file waiting in its folder (Resume continues)
    partial_bytes: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "node": self.slot.node,
            "input": self.slot.input,
            "folder": self.slot.folder,
            "file": self.slot.file,
            "expects": self.slot.expects(),
            "state": self.state,
            "message": self.message,
            "url": self.slot.url,
            "optional": self.slot.optional,
            "identity": self.identity.model_dump() if self.identity else None,
            "alternatives": self.alternatives,
            "target_dir": self.target_dir,
        }


@dataclass
class WorkflowFinding:
    workflow: Workflow
    problems: list[Problem]
    slots: list[SlotFinding]

    @property
    def can_run(self) -> bool:
        blocking = [p for p in self.problems if not self._optional(p)]
        wrong = [s for s in self.slots if s.state == "wrong" and not s.slot.optional]
        return not blocking and not wrong

    def _optional(self, problem: Problem) -> bool:
        return any(
            s.slot.optional and s.slot.node == problem.node_id and s.slot.input == problem.input
            for s in self.slots
        )

    def lines(self) -> list[str]:
        head = "can run" if self.can_run else "cannot run yet"
        out = [f"{self.workflow.stage.value.title()} · {self.workflow.name}: {head}"]
        for p in self.problems:
            if p.kind is ProblemKind.MISSING_MODEL:
                continue  # said below, per slot, with its size and source
            out.append(f"  - {p.user_text()}")
        for s in self.slots:
            if s.state == "ok":
                continue
            extra = " (optional)" if s.slot.optional else ""
            out.append(f"  - {s.message}{extra}")
            if s.state == "missing" and s.slot.url:
                out.append(f"    get it from {s.slot.url}")
            if s.alternatives:
                out.append(f"    files here that fit: {', '.join(s.alternatives)}")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow.name,
            "stage": self.workflow.stage.value,
            "can_run": self.can_run,
            "problems": [
                {"kind": p.kind.value, "message": p.user_text(), "node": p.node_id}
                for p in self.problems
            ],
            "slots": [s.as_json() for s in self.slots],
        }


@dataclass
class ServerFinding:
    name: str
    url: str
    reachable: bool = False
    version: str = ""
    error: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    #: not at `url`, but one answers here (the default address, or the app's own install)
    found_at: str = ""

    def facts(self) -> str:
        """ "3 models installed", "NVIDIA GeForce RTX 3060 · 12 GB · 11.2 GB free"."""
        d = self.details
        if "models" in d:
            n = d["models"]
            return f"{n} model{'s' if n != 1 else ''} installed"
        if "gpu" in d:
            gpu = (
                f"{d['gpu']} · {d['memory_gb']:.0f} GB · {d['free_gb']:.1f} GB free"
                if d["gpu"]
                else "no GPU (it runs on the CPU)"
            )
            manager = f" · ComfyUI-Manager {d['manager']}" if d.get("manager") else ""
            return gpu + manager
        return ""


@dataclass
class SetupReport:
    ollama: ServerFinding
    comfy: ServerFinding
    workflows: list[WorkflowFinding] = field(default_factory=list)
    models_read_from: str = ""  # "headers on this machine" | "the server (names only)"
    #: every model file the server has, with what it is (the pickers list these)
    catalog: Catalog = field(default_factory=Catalog)
    #: ComfyUI-Manager on a server whose folders are elsewhere: it can fetch files there
    manager: Manager | None = None

    @property
    def ready(self) -> bool:
        return (
            self.comfy.reachable
            and self.ollama.reachable
            and all(w.can_run for w in self.workflows)
        )

    @property
    def exit_code(self) -> int:
        return 0 if self.ready else EXIT_NOT_READY

    def lines(self) -> list[str]:
        out = []
        for server in (self.ollama, self.comfy):
            if server.reachable:
                extra = server.facts()
                out.append(
                    f"{server.name} {server.version} at {server.url}"
                    + (f" · {extra}" if extra else "")
                )
            else:
                out.append(f"{server.name} is not reachable at {server.url}: {server.error}")
                if server.found_at:
                    out.append(f"  but a {server.name} answers at {server.found_at}: use that one")
        if self.models_read_from:
            out.append(f"Model files read from {self.models_read_from}.")
        for wf in self.workflows:
            out.extend(wf.lines())
        out.append("Every shipped workflow can run here." if self.ready else "Not ready yet.")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "ollama": self.ollama.__dict__,
            "comfyui": self.comfy.__dict__,
            "models_read_from": self.models_read_from,
            "workflows": [w.as_json() for w in self.workflows],
        }


def slot_findings(
    workflow: Workflow, problems: list[Problem], catalog: Catalog
) -> list[SlotFinding]:
    missing = {(p.node_id, p.input) for p in problems if p.kind is ProblemKind.MISSING_MODEL}
    out = []
    for slot in slots_of(workflow):
        target = ""
        dirs = catalog.local_dirs.get(slot.folder) or []
        if dirs:
            named = [d for d in dirs if d.name == slot.folder]
            target = str((named or dirs)[0])
        alternatives = [f.file for f in fitting(catalog, slot) if f.file != slot.file]
        if (slot.node, slot.input) in missing:
            partial = partial_path(target_in(Path(target), slot.file)) if target else None
            out.append(
                SlotFinding(
                    slot,
                    "missing",
                    f"{slot.file} is missing: it goes into ComfyUI/models/{slot.folder}/"
                    + (f" ({target})" if target else "")
                    + (f", {slot_size(workflow, slot)}" if slot_size(workflow, slot) else ""),
                    alternatives=alternatives,
                    target_dir=target,
                    partial_bytes=partial.stat().st_size if partial and partial.exists() else 0,
                )
            )
            continue
        ident = catalog.find(slot.folder, slot.file)
        if ident is None:
            out.append(SlotFinding(slot, "ok", target_dir=target))
            continue
        verdict = fit(ident, slot)
        if verdict.ok is False:
            state = "wrong" if ident.source == "header" else "unknown"
            message = verdict.reason + (
                "" if ident.source == "header" else " (guessed from the name)"
            )
            out.append(SlotFinding(slot, state, message, ident, alternatives, target))
        else:
            out.append(SlotFinding(slot, "ok", "", ident, alternatives, target))
    return out


def manifest_model(workflow: Workflow, slot: Slot) -> ModelFile | None:
    return next(
        (m for m in workflow.manifest.models if m.node == slot.node and m.input == slot.input),
        None,
    )


def slot_size(workflow: Workflow, slot: Slot) -> str:
    model = manifest_model(workflow, slot)
    return f"{model.size_gb:.1f} GB" if model is not None and model.size_gb else ""


def check_setup(
    settings: Settings,
    *,
    models_dir: Path | None = None,
    cache: HeaderCache | None = None,
    workflows: list[Workflow] | None = None,
) -> SetupReport:
    """Blocking (network and disk): run it off the GUI thread."""
    from vidgen_desktop.comfy.client import ComfyClient
    from vidgen_desktop.ollama_client.service import OllamaService

    ollama = ServerFinding("Ollama", settings.effective_ollama_url())
    service = OllamaService(ollama.url)
    try:
        ollama.version = service.version()
        models = service.list_models()
        ollama.reachable = True
        ollama.details = {"models": len(models)}
    except VidGenError as exc:
        ollama.error = exc.message
        ollama.found_at = _answering(
            [DEFAULT_OLLAMA_URL], ollama.url, lambda u: OllamaService(u, 2.0).version()
        )

    comfy = ServerFinding("ComfyUI", settings.comfyui_url)
    report = SetupReport(ollama, comfy)
    client = ComfyClient(settings.comfyui_url)
    try:
        stats = client.system_stats()
        comfy.reachable = True
        comfy.version = stats.system.comfyui_version
        gpu = stats.primary_gpu()
        comfy.details = {
            "gpu": gpu.name if gpu else "",
            "memory_gb": gpu.vram_total / 1024**3 if gpu else 0.0,
            "free_gb": gpu.vram_free / 1024**3 if gpu else 0.0,
        }
        info = client.object_info()
        catalog = catalog_for(client, models_dir=models_dir, cache=cache)
        report.catalog = catalog
        report.models_read_from = (
            "their headers on this machine"
            if catalog.local_dirs
            else "the server (names and metadata only)"
        )
        if not catalog.local_dirs:
            report.manager = detect_manager(client)
            if report.manager is not None:
                comfy.details["manager"] = report.manager.version
        for shipped in workflows if workflows is not None else shipped_workflows():
            wf = with_models(shipped, settings.choices_for(shipped.name))
            problems = preflight(wf, info)
            report.workflows.append(
                WorkflowFinding(wf, problems, slot_findings(wf, problems, catalog))
            )
    except VidGenError as exc:
        comfy.error = exc.message
        if not comfy.reachable:
            managed = f"http://127.0.0.1:{settings.managed_port}"
            comfy.found_at = _answering([DEFAULT_COMFYUI_URL, managed], comfy.url, _comfy_answers)
    finally:
        client.close()
    return report


def _comfy_answers(url: str) -> object:
    from vidgen_desktop.comfy.client import ComfyClient

    probe = ComfyClient(url, timeout=2.0)
    try:
        return probe.system_stats()
    finally:
        probe.close()


def _answering(candidates: list[str], configured: str, probe) -> str:
    """The first other address where the server answers ("" when none does)."""
    for url in dict.fromkeys(candidates):
        if url.rstrip("/") == configured.rstrip("/"):
            continue
        try:
            probe(url)
            return url
        except VidGenError:
            continue
    return ""


__all__ = [
    "EXIT_NOT_READY",
    "ServerFinding",
    "SetupReport",
    "SlotFinding",
    "WorkflowFinding",
    "check_setup",
    "manifest_model",
    "slot_findings",
]
