"""Where a project stands, headless: each stage's status and chosen take, its takes, its scene
versions (and, once jobs are recorded, its jobs). `vidgen project show` prints it.

A stage is "empty" (nothing yet), "done" (a take is chosen, or the script has a scene),
"out of date" (the chosen take was made from inputs that differ now), "running" or "failed"
(its newest recorded job). The inputs compared headless are those the project itself holds:
the scene and each stage's saved text, so the window and this agree on what changed.
"""

from __future__ import annotations

from typing import Any

from vidgen_desktop.core.project import STAGES, Project, Take
from vidgen_desktop.pipeline.inputs import (
    changed_inputs,
    fingerprint,
    video_made_from,
)


def inputs_now(project: Project, stage: str) -> dict[str, str]:
    """The fingerprints of what a take of `stage` would be made from now (a subset)."""
    scene = project.data.scene
    saved = project.data.stage_inputs.get(stage, {})
    if stage == "voice":
        text = saved.get("text") or (scene.audio.lyrics if scene else "")
        return {"text": fingerprint(str(text).strip())} if text else {}
    if stage == "image":
        prompt = saved.get("positive") or (scene.image.positive_prompt if scene else "")
        return {"prompt": fingerprint(str(prompt).strip())} if prompt else {}
    if stage == "video":
        prompt = saved.get("positive") or (scene.video.positive_prompt if scene else "")
        image, voice = project.chosen_take("image"), project.chosen_take("voice")
        return video_made_from(
            str(prompt), image.id if image else None, voice.id if voice else None
        )
    return {}


def stage_status(
    project: Project, stage: str, jobs: list[dict[str, Any]] | None = None
) -> tuple[str, str]:
    """(status, why) for one stage."""
    latest = next((j for j in reversed(jobs or []) if j.get("stage") == stage), None)
    if latest is not None and latest.get("state") in ("submitted", "queued", "running"):
        return "running", f"job {latest.get('prompt_id', '')} is {latest['state']}"
    if stage == "script":
        return ("done", "") if project.data.scene is not None else ("empty", "no scene yet")
    chosen = project.chosen_take(stage)
    if latest is not None and latest.get("state") in ("failed", "lost") and chosen is None:
        return "failed", str(latest.get("error") or latest["state"])
    if chosen is None:
        return "empty", "no take chosen"
    changed = (
        changed_inputs(chosen.made_from, inputs_now(project, stage)) if chosen.made_from else []
    )
    if changed:
        return "out of date", f"{', '.join(changed)} changed since the chosen take was made"
    return "done", ""


def take_row(project: Project, take: Take) -> dict[str, Any]:
    return {
        "id": take.id,
        "stage": take.stage,
        "file": take.file,
        "kind": take.kind,
        "source": take.source,
        "seed": take.seed,
        "workflow": take.workflow,
        "settings": take.settings,
        "duration_s": take.duration_s,
        "created": take.created,
        "made_from": take.made_from,
        "missing": project.is_missing(take),
        "chosen": project.data.chosen.get(take.stage) == take.id,
    }


def describe_project(project: Project, jobs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON `vidgen project show --json` prints."""
    stages = {}
    for stage in STAGES:
        status, why = stage_status(project, stage, jobs)
        chosen = project.chosen_take(stage) if stage != "script" else None
        stages[stage] = {"status": status, "why": why, "chosen": chosen.id if chosen else None}
    current = project.current_version()
    return {
        "name": project.data.name,
        "folder": str(project.root),
        "topic": project.data.topic,
        "stages": stages,
        "takes": [take_row(project, t) for t in project.data.takes],
        "versions": [
            {
                "id": v.id,
                "created": v.created,
                "origin": v.origin,
                "topic": v.topic,
                "model": v.model,
                "options": v.options,
                "note": v.note,
                "current": current is v,
            }
            for v in project.data.versions
        ],
        "jobs": list(jobs or []),
        "recovered_from": str(project.recovery.backup) if project.recovery else None,
    }
