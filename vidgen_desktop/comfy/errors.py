"""Typed ComfyUI failures with sentences a user can act on (never a raw JSON dump).

`WorkflowRejected.problems` lists one `NodeProblem` per node input so a panel can show each next to
the field it concerns; `message` already holds a readable summary for banners and the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vidgen_desktop.comfy.models import PromptRejection
from vidgen_desktop.core.errors import InvalidInput, ServerError, VidGenError

#: loader input name -> ComfyUI/models sub-folder it lists
MODEL_INPUT_FOLDERS: dict[str, str] = {
    "ckpt_name": "checkpoints",
    "unet_name": "diffusion_models",
    "clip_name": "text_encoders",
    "clip_name1": "text_encoders",
    "clip_name2": "text_encoders",
    "clip_name3": "text_encoders",
    "vae_name": "vae",
    "lora_name": "loras",
    "audio_encoder_name": "audio_encoders",
    "clip_vision_name": "clip_vision",
    "control_net_name": "controlnet",
    "upscale_model": "upscale_models",
}


@dataclass(frozen=True)
class NodeProblem:
    node_id: str
    class_type: str
    input_name: str
    kind: str  # the server's error type, e.g. value_not_in_list
    message: str  # readable sentence
    missing_model: str | None = None
    model_folder: str | None = None
    missing_node_class: str | None = None


class WorkflowRejected(ServerError):
    """POST /prompt answered 400: the workflow does not validate on this server."""

    exit_code = 8

    def __init__(
        self, message: str, problems: list[NodeProblem], *, detail: str = "", hint: str = ""
    ) -> None:
        super().__init__(message, detail=detail, hint=hint)
        self.problems = problems


class ExecutionFailed(ServerError):
    """A node raised while the job ran (execution_error)."""

    exit_code = 9

    def __init__(
        self,
        message: str,
        *,
        node_id: str = "",
        node_type: str = "",
        exception_type: str = "",
        detail: str = "",
        hint: str = "",
    ) -> None:
        super().__init__(message, detail=detail, hint=hint)
        self.node_id = node_id
        self.node_type = node_type
        self.exception_type = exception_type


class OutOfMemory(ExecutionFailed):
    """The GPU ran out of memory during the job."""


class JobInterrupted(ServerError):
    """The server stopped our job although we did not ask (someone pressed Cancel in ComfyUI)."""


class JobLost(ServerError):
    """The job vanished from the server: it restarted (history is in memory only)."""


class Detached(VidGenError):
    """We stopped following a job that goes on in ComfyUI (the app is closing, `--detach`).

    Not a failure: the job's ledger entry stays unfinished, and opening the project again (or
    `vidgen resume`) re-attaches to it."""

    exit_code = 0


class UploadTooLarge(InvalidInput):
    """The file exceeds the server's max_upload_size (HTTP 413 otherwise)."""


def _model_message(value: str, folder: str, class_type: str, node_id: str) -> str:
    return (
        f"Model file '{value}' is not in ComfyUI/models/{folder} "
        f"(needed by {class_type}, node {node_id})."
    )


def problem_from_item(node_id: str, class_type: str, item) -> NodeProblem:
    info = item.extra_info or {}
    input_name = str(
        info.get("input_name") or (item.details if item.type == "required_input_missing" else "")
    )
    where = f"{class_type or 'node'} (node {node_id})"
    received = info.get("received_value")
    if (
        item.type == "value_not_in_list"
        and input_name in MODEL_INPUT_FOLDERS
        and received is not None
    ):
        folder = MODEL_INPUT_FOLDERS[input_name]
        return NodeProblem(
            node_id,
            class_type,
            input_name,
            item.type,
            _model_message(str(received), folder, class_type, node_id),
            missing_model=str(received),
            model_folder=folder,
        )
    if item.type == "value_not_in_list":
        options = info.get("input_config", [[]])[0] if info.get("input_config") else []
        allowed = ", ".join(map(str, options[:8])) if isinstance(options, list) else ""
        msg = f"'{received}' is not an allowed value for '{input_name}' of {where}."
        if allowed:
            more = len(options) - 8 if isinstance(options, list) else 0
            msg += f" Allowed: {allowed}{f' and {more} more' if more > 0 else ''}."
    elif item.type == "required_input_missing":
        msg = f"{where} is missing its required input '{input_name}'."
    elif item.type in ("value_smaller_than_min", "value_bigger_than_max"):
        msg = f"'{input_name}' of {where}: {item.message}."
    elif item.type == "custom_validation_failed":
        msg = f"'{input_name}' of {where}: {item.details or item.message}."
    else:
        detail = f": {item.details}" if item.details else ""
        msg = f"{where}{f', input {input_name!r}' if input_name else ''}: {item.message}{detail}."
    return NodeProblem(node_id, class_type, input_name, item.type, msg)


_MISSING_NODE_RE = re.compile(r"node (\S+) does not exist")


def rejection_error(body: dict) -> WorkflowRejected:
    """Turn a 400 body from POST /prompt into a WorkflowRejected with per-input problems."""
    rej = PromptRejection.model_validate(body if isinstance(body, dict) else {})
    err = rej.error
    problems: list[NodeProblem] = []
    for node_id, node_err in rej.node_errors.items():
        for item in node_err.errors:
            problems.append(problem_from_item(node_id, node_err.class_type, item))
    missing_class = None
    if err.type == "missing_node_type":
        missing_class = str(err.extra_info.get("class_type", ""))
    elif err.type == "invalid_prompt" and (m := _MISSING_NODE_RE.search(err.message)):
        missing_class = m.group(1).rstrip(".")  # 0.3.64 says it in prose only
    hint = ""
    if missing_class:
        node_id = str(err.extra_info.get("node_id", "")) or err.details.replace(
            "Node ID '#", ""
        ).rstrip("'")
        msg = (
            f"The node type '{missing_class}' is not installed on the ComfyUI server: "
            f"the custom node pack that provides it is missing."
        )
        problems.append(
            NodeProblem(
                node_id,
                missing_class,
                "",
                "missing_node_type",
                msg,
                missing_node_class=missing_class,
            )
        )
        hint = "Install the custom node pack (e.g. with ComfyUI-Manager) and restart ComfyUI."
    elif err.type == "prompt_no_outputs":
        msg = "The workflow has no output node (such as Save Image), so ComfyUI would do nothing."
        hint = "Add a Save node to the workflow in ComfyUI and export it again (Export (API))."
    elif err.type == "invalid_prompt_id":
        msg = "ComfyUI refused our job id; this is a bug in VidGen Desktop."
    elif problems:
        msg = "ComfyUI rejected the workflow:\n" + "\n".join(f"• {p.message}" for p in problems)
        if any(p.missing_model for p in problems):
            hint = "Download the missing model files into those folders, then press Refresh models."
    else:
        msg = f"ComfyUI rejected the workflow: {err.message or 'no reason given'}."
    return WorkflowRejected(
        msg, problems, detail=f"{err.type}: {err.message} {err.details}".strip(), hint=hint
    )


_OOM_MARKERS = (
    "OutOfMemoryError",
    "out of memory",
    "Allocation on device",
    "CUDA error: out of memory",
)


def execution_error(data: dict) -> ExecutionFailed:
    """Turn an execution_error payload (WebSocket, history or /api/jobs) into a typed error."""
    node_type = str(data.get("node_type", ""))
    node_id = str(data.get("node_id", ""))
    exc_type = str(data.get("exception_type", ""))
    exc_msg = str(data.get("exception_message", "")).strip()
    detail = f"{exc_type}: {exc_msg}\n" + "".join(map(str, data.get("traceback") or []))
    if any(m.lower() in f"{exc_type} {exc_msg}".lower() for m in _OOM_MARKERS):
        return OutOfMemory(
            f"The GPU ran out of memory in {node_type} (node {node_id}).",
            node_id=node_id,
            node_type=node_type,
            exception_type=exc_type,
            detail=detail,
            hint="Lower the resolution or the length, or free VRAM (close other GPU programs, "
            "unload the Ollama model) and try again.",
        )
    first_line = exc_msg.splitlines()[0] if exc_msg else exc_type or "unknown error"
    return ExecutionFailed(
        f"ComfyUI failed in {node_type} (node {node_id}): {first_line}",
        node_id=node_id,
        node_type=node_type,
        exception_type=exc_type,
        detail=detail,
        hint="The ComfyUI console has the full traceback.",
    )
