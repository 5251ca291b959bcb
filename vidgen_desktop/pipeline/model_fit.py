"""Before a job is queued: the model files the workflow will load, read from their headers where
ComfyUI's folders are on this machine, and any whose content does not fit its slot turned into
a preflight problem ("this file is an SD 1.5 checkpoint; the workflow expects SDXL…"). Minutes
of model loading (or a cryptic shape error deep in a sampler) are spent only on files that fit.

A remote server's files are known only by name, and a name is not proof: those never block.
The user's own file for a slot (Settings' model choices) is bound in first (`chosen_workflow`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from vidgen_desktop.modelfiles.catalog import HeaderCache, identify_path, local_dirs_of
from vidgen_desktop.modelfiles.slots import fit, slots_of, with_models
from vidgen_desktop.workflow.preflight import Problem, ProblemKind

if TYPE_CHECKING:
    from vidgen_desktop.comfy.client import ComfyClient
    from vidgen_desktop.core.settings import Settings
    from vidgen_desktop.workflow.loader import Workflow

log = logging.getLogger(__name__)


def chosen_workflow(workflow: Workflow, settings: Settings) -> Workflow:
    return with_models(workflow, settings.choices_for(workflow.name))


def misfit_problems(
    client: ComfyClient,
    workflow: Workflow,
    settings: Settings,
    cache: HeaderCache | None = None,
) -> list[Problem]:
    try:
        dirs = local_dirs_of(client, settings.models_dir())
    except Exception as exc:  # an old server without the route: nothing to read
        log.debug("model folders not readable: %s", exc)
        return []
    problems = []
    for slot in slots_of(workflow):
        for root in dirs.get(slot.folder, []):
            path = root / slot.file
            if not path.is_file():
                continue
            ident = identify_path(path, slot.folder, slot.file, cache)
            verdict = fit(ident, slot)
            if verdict.ok is False and ident.source == "header":
                problems.append(
                    Problem(
                        ProblemKind.WRONG_MODEL,
                        verdict.reason,
                        slot.node,
                        slot.class_type,
                        slot.input,
                        hint="Pick a file that fits in Help › Set-up…, or replace the file.",
                    )
                )
            break
    if cache is not None:
        cache.save()
    return problems


__all__ = ["chosen_workflow", "misfit_problems"]
