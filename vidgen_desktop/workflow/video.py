"""Chunk math and the N-chunk graph for Wan 2.2 S2V.

S2V renders a fixed number of frames per pass (77 by default, a latent of 20 frames). A longer
clip is made by chaining `WanSoundImageToVideoExtend` passes, each continuing from the latent
of everything before it (the extend node reads the audio at that offset), and concatenating the
latents on the time axis before decoding. This is the shape of the recorded two-chunk job in
transcripts/v0.25/comfyui_s2v_gpu_h200.json, generalised to N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.workflow.models import is_link

if TYPE_CHECKING:
    from vidgen_desktop.workflow.loader import Workflow

BASE_CLASS = "WanSoundImageToVideo"
EXTEND_CLASS = "WanSoundImageToVideoExtend"
SAMPLER_CLASSES = ("KSampler", "KSamplerAdvanced")
#: ImageFromBatch.length tops out here, which caps the exact-length trim.
MAX_FRAMES = 4096


def latent_frames(frames: int) -> int:
    """Wan's VAE packs 4 frames per latent frame, plus the first one on its own."""
    return (frames - 1) // 4 + 1


@dataclass(frozen=True)
class VideoPlan:
    seconds: float
    fps: float
    chunk_frames: int
    chunks: int
    frames: int  # frames the finished clip keeps (seconds × fps)
    decoded_frames: int  # frames the decoder produces before the trim
    steps_per_chunk: int
    prebuilt: bool = False  # the file already chains its own extend passes

    @property
    def total_steps(self) -> int:
        return self.chunks * self.steps_per_chunk

    def estimate_seconds(self, seconds_per_step: float | None) -> float | None:
        """Sampling time from a measured step rate; None (shown as "unknown") without one."""
        if seconds_per_step is None or seconds_per_step <= 0:
            return None
        return self.total_steps * seconds_per_step

    def summary(self) -> str:
        return (
            f"{self.chunks} chunk{'s' if self.chunks != 1 else ''} × {self.chunk_frames} frames, "
            f"{self.frames} frames at {self.fps:g} fps ({self.seconds:g} s), "
            f"{self.total_steps} sampler steps"
        )


def find_base(graph: dict[str, dict[str, Any]]) -> str | None:
    for node_id, node in graph.items():
        if node["class_type"] == BASE_CLASS:
            return node_id
    return None


def find_sampler(graph: dict[str, dict[str, Any]], source_id: str) -> str | None:
    """The sampler whose latent comes from `source_id`'s latent output (index 2)."""
    for node_id, node in graph.items():
        if node["class_type"] in SAMPLER_CLASSES and node["inputs"].get("latent_image") == [
            source_id,
            2,
        ]:
            return node_id
    return None


def plan_video(
    workflow: Workflow,
    *,
    seconds: float,
    fps: float | None = None,
    steps: int | None = None,
    graph: dict[str, dict[str, Any]] | None = None,
) -> VideoPlan:
    """How many chunks, frames and steps `seconds` of video costs with this workflow."""
    graph = graph if graph is not None else workflow.api_graph()
    if fps is None:
        fps = workflow.default("fps") or workflow.manifest.fps
    if not fps or fps <= 0:
        raise InvalidInput(f"{workflow.name} does not say its frame rate ($fps on CreateVideo).")
    if seconds <= 0:
        raise InvalidInput("The video length must be more than 0 seconds.")
    base = find_base(graph)
    info = workflow.manifest.video
    chunk_frames = int(info.chunk_frames if info else 77)
    if base is not None and isinstance(graph[base]["inputs"].get("length"), int):
        chunk_frames = graph[base]["inputs"]["length"]
    if steps is None:
        steps = int(workflow.default("steps") or 0)
    frames = max(1, math.ceil(round(seconds * fps, 6)))
    extends = sum(1 for n in graph.values() if n["class_type"] == EXTEND_CLASS)
    if base is None or extends:
        chunks = 1 + extends  # fixed by the file; we run it as it is
        decoded = (latent_frames(chunk_frames) * chunks - 1) * 4 + 1
        return VideoPlan(
            seconds, fps, chunk_frames, chunks, min(frames, decoded), decoded, steps, True
        )
    chunks = math.ceil(frames / chunk_frames)
    max_chunks = info.max_chunks if info else 12
    if chunks > max_chunks or frames > MAX_FRAMES:
        longest = min(max_chunks * chunk_frames, MAX_FRAMES) / fps
        raise InvalidInput(
            f"{seconds:g} s of video needs {chunks} chunks; {workflow.name} makes at most "
            f"{max_chunks} ({longest:.0f} s).",
            hint="Shorten the voice take or split the scene.",
        )
    decoded = (latent_frames(chunk_frames) * chunks - 1) * 4 + 1
    return VideoPlan(seconds, fps, chunk_frames, chunks, frames, decoded, steps)


def _next_id(graph: dict[str, dict[str, Any]]) -> int:
    numeric = [int(k) for k in graph if k.isdigit()]
    return (max(numeric) if numeric else 0) + 1


def build_chunks(
    graph: dict[str, dict[str, Any]], workflow: Workflow, plan: VideoPlan, seed: int | None
) -> None:
    """Extend a one-chunk S2V graph in place to `plan.chunks` chunks."""
    if plan.prebuilt or plan.chunks <= 1:
        return
    base = find_base(graph)
    sampler = find_sampler(graph, base) if base else None
    if base is None or sampler is None:
        raise InvalidInput(
            f"{workflow.name}: cannot find the sampler fed by {BASE_CLASS}, so it cannot be "
            "extended to several chunks."
        )
    base_inputs = graph[base]["inputs"]
    consumers = [
        (node_id, name)
        for node_id, node in graph.items()
        for name, value in node["inputs"].items()
        if value == [sampler, 0]
    ]
    first_seed = int(graph[sampler]["inputs"].get("seed", seed or 0))
    next_id = _next_id(graph)
    previous: list[Any] = [sampler, 0]
    for chunk in range(2, plan.chunks + 1):
        extend_id, sampler_id, concat_id = (str(next_id + i) for i in range(3))
        next_id += 3
        extend_inputs = {
            "positive": base_inputs["positive"],
            "negative": base_inputs["negative"],
            "vae": base_inputs["vae"],
            "length": plan.chunk_frames,
            "video_latent": list(previous),
        }
        for optional in ("audio_encoder_output", "ref_image", "control_video"):
            if is_link(base_inputs.get(optional)):
                extend_inputs[optional] = base_inputs[optional]
        graph[extend_id] = {
            "class_type": EXTEND_CLASS,
            "inputs": extend_inputs,
            "_meta": {"title": f"chunk {chunk} extend"},
        }
        sampler_inputs = dict(graph[sampler]["inputs"])
        sampler_inputs.update(
            positive=[extend_id, 0],
            negative=[extend_id, 1],
            latent_image=[extend_id, 2],
            seed=(first_seed + chunk - 1) % 2**64,
        )
        graph[sampler_id] = {
            "class_type": graph[sampler]["class_type"],
            "inputs": sampler_inputs,
            "_meta": {"title": f"chunk {chunk} sampler"},
        }
        graph[concat_id] = {
            "class_type": "LatentConcat",
            "inputs": {"samples1": list(previous), "samples2": [sampler_id, 0], "dim": "t"},
            "_meta": {"title": f"chunks 1-{chunk}"},
        }
        previous = [concat_id, 0]
    for node_id, name in consumers:
        graph[node_id]["inputs"][name] = list(previous)
