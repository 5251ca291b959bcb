"""What the fake ComfyUI answers about its jobs and prompts, in the recorded shapes: /api/jobs,
/queue, and LoadLatent's validation of a prompt (kept apart from the server loop)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.fake_comfy import FakeComfy


def missing_latents(fake: FakeComfy, graph: dict[str, Any]) -> dict[str, Any] | None:
    """LoadLatent's VALIDATE_INPUTS: the file must be in the input folder (a real, non-empty
    upload here), else the prompt is refused like ComfyUI refuses it."""
    errors = {}
    for nid, node in graph.items():
        if not isinstance(node, dict) or node.get("class_type") != "LoadLatent":
            continue
        name = str(node.get("inputs", {}).get("latent", ""))
        if fake.uploads.get(name):
            continue
        errors[nid] = {
            "errors": [
                {
                    "type": "custom_validation_failed",
                    "message": "Custom validation failed for node",
                    "details": f"latent - Invalid latent file: {name}",
                    "extra_info": {
                        "input_name": "latent",
                        "input_config": [[], {}],
                        "received_value": name,
                    },
                }
            ],
            "dependent_outputs": [],
            "class_type": "LoadLatent",
        }
    if not errors:
        return None
    return {
        "error": {
            "type": "prompt_outputs_failed_validation",
            "message": "Prompt outputs failed validation",
            "details": "",
            "extra_info": {},
        },
        "node_errors": errors,
    }


def job_json(fake: FakeComfy, pid: str) -> dict[str, Any] | None:
    if pid in fake.history:
        h = fake.history[pid]
        msgs = h["status"]["messages"]
        status = (
            "completed"
            if h["status"]["status_str"] == "success"
            else ("cancelled" if any(m[0] == "execution_interrupted" for m in msgs) else "failed")
        )
        job = {
            "id": pid,
            "status": status,
            "priority": h["prompt"][0],
            "outputs": h["outputs"],
            "outputs_count": sum(
                len(v) for o in h["outputs"].values() for k, v in o.items() if k != "animated"
            ),
            "execution_status": h["status"],
        }
        err = next((m[1] for m in msgs if m[0] == "execution_error"), None)
        if err:
            job["execution_error"] = err
        return job
    if pid == fake.running:
        return {"id": pid, "status": "in_progress", "priority": fake._number}
    if any(p[0] == pid for p in fake.pending):
        return {"id": pid, "status": "pending", "priority": fake._number}
    return None


def queue_json(fake: FakeComfy) -> dict[str, Any]:
    with fake._lock:
        running = [[0, fake.running, {}, {}, []]] if fake.running else []
        pending = [[i + 1, p[0], p[1], {"client_id": p[2]}, []] for i, p in enumerate(fake.pending)]
    return {"queue_running": running, "queue_pending": pending}


def latent_units_of(graph: dict[str, Any], sampler: dict[str, Any]) -> float:
    """What a step of this sampler would cost a GPU: the graph's size (the node with width and
    height; its length in frames for video) in latent units, × 2 when cfg ≠ 1."""
    width = height = 0
    frames = 1
    for node in graph.values():
        inputs = node.get("inputs", {}) if isinstance(node, dict) else {}
        if isinstance(inputs.get("width"), int) and isinstance(inputs.get("height"), int):
            width, height = inputs["width"], inputs["height"]
            if isinstance(inputs.get("length"), int):
                frames = inputs["length"]
            break
    if not width:
        return 0.0
    latent_frames = (frames - 1) // 4 + 1 if frames > 1 else 1
    cfg = sampler.get("inputs", {}).get("cfg", 1.0)
    evals = 1 if isinstance(cfg, int | float) and float(cfg) == 1.0 else 2
    return evals * width / 16 * height / 16 * latent_frames
