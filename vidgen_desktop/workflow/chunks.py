"""A chained S2V graph cut into one prompt per chunk, so a crash costs one chunk, not the render.

`bind()` builds the whole render as one graph: chunk 1 from `WanSoundImageToVideo`, each later
chunk from `WanSoundImageToVideoExtend` fed with the latent of everything before it, the latents
concatenated on the time axis, decoded, trimmed and saved with the speech. Here that same graph
is cut:

- chunk k: its sampler's latent saved with `SaveLatent` (brought back into the project); the
  extend's `video_latent` comes from `LoadLatent`s of the chunks before, uploaded into the
  server's input folder and concatenated in order (`LatentConcat`, dim "t"), exactly the latent
  the one-prompt graph would have passed. A silent preview MP4 of the chunk comes with it.
- assembly: every chunk's latent loaded and concatenated, then the graph's own decode, trim and
  save, so the MP4 has the speech and the same length and frame count as the one-prompt graph.

Nodes an output does not need are dropped from each prompt.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.workflow.models import is_link
from vidgen_desktop.workflow.video import BASE_CLASS, EXTEND_CLASS, find_base, find_sampler

Graph = dict[str, dict[str, Any]]
OUTPUT_CLASSES = ("SaveVideo", "SaveAnimatedWEBP", "SaveAudio", "SaveImage", "SaveLatent")


def _next_id(graph: Graph) -> int:
    numeric = [int(k) for k in graph if k.isdigit()]
    return (max(numeric) if numeric else 0) + 1


def prune(graph: Graph, roots: list[str]) -> Graph:
    """Only the nodes the roots need (ComfyUI would skip the rest; a prompt is clearer without)."""
    keep: set[str] = set()
    stack = list(roots)
    while stack:
        node_id = stack.pop()
        if node_id in keep or node_id not in graph:
            continue
        keep.add(node_id)
        for value in graph[node_id]["inputs"].values():
            if is_link(value):
                stack.append(value[0])
    return {k: v for k, v in graph.items() if k in keep}


@dataclass(frozen=True)
class ChunkPlan:
    """Where each chunk lives in the bound one-prompt graph."""

    samplers: list[str]  # chunk k's sampler is samplers[k - 1]
    extends: list[str]  # chunk k (k ≥ 2) is extended by extends[k - 2]
    final_latent: list[Any]  # the link the decoder reads (the last concatenation)
    outputs: list[str]  # the graph's own output nodes (SaveVideo)
    vae: list[Any]
    fps: float

    @property
    def chunks(self) -> int:
        return len(self.samplers)


def find_chunks(graph: Graph) -> ChunkPlan:
    """Read a graph `bind()` extended to N chunks (build_chunks) back into its chunks."""
    base = find_base(graph)
    first = find_sampler(graph, base) if base else None
    if base is None or first is None:
        raise InvalidInput(
            f"No {BASE_CLASS} with a sampler: this graph cannot be rendered in chunks."
        )
    samplers, extends = [first], []
    while True:
        previous = [samplers[-1], 0] if len(samplers) == 1 else _concat_of(graph, samplers[-1])
        extend = next(
            (
                nid
                for nid, n in graph.items()
                if n["class_type"] == EXTEND_CLASS and n["inputs"].get("video_latent") == previous
            ),
            None,
        )
        if extend is None:
            break
        sampler = find_sampler(graph, extend)
        if sampler is None:
            raise InvalidInput(f"{EXTEND_CLASS} {extend} feeds no sampler.")
        extends.append(extend)
        samplers.append(sampler)
    final = [samplers[0], 0] if len(samplers) == 1 else _concat_of(graph, samplers[-1])
    outputs = [nid for nid, n in graph.items() if n["class_type"] in OUTPUT_CLASSES]
    vae = graph[base]["inputs"]["vae"]
    fps = next(
        (
            float(n["inputs"]["fps"])
            for n in graph.values()
            if n["class_type"] == "CreateVideo" and not is_link(n["inputs"].get("fps"))
        ),
        16.0,
    )
    return ChunkPlan(samplers, extends, final, outputs, vae, fps)


def _concat_of(graph: Graph, sampler: str) -> list[Any]:
    """The LatentConcat that appends `sampler`'s latent to the chunks before it."""
    for node_id, node in graph.items():
        if node["class_type"] == "LatentConcat" and node["inputs"].get("samples2") == [sampler, 0]:
            return [node_id, 0]
    raise InvalidInput(f"Sampler {sampler}'s latent is not concatenated to the chunks before it.")


def _load_chain(graph: Graph, files: list[str], label: str) -> list[Any]:
    """LoadLatent each file and concatenate them in order on the time axis; the link to it."""
    next_id = _next_id(graph)
    link: list[Any] | None = None
    for i, name in enumerate(files, start=1):
        load_id = str(next_id)
        next_id += 1
        graph[load_id] = {
            "class_type": "LoadLatent",
            "inputs": {"latent": name},
            "_meta": {"title": f"{label}: chunk {i} latent"},
        }
        if link is None:
            link = [load_id, 0]
            continue
        concat_id = str(next_id)
        next_id += 1
        graph[concat_id] = {
            "class_type": "LatentConcat",
            "inputs": {"samples1": link, "samples2": [load_id, 0], "dim": "t"},
            "_meta": {"title": f"{label}: chunks 1-{i}"},
        }
        link = [concat_id, 0]
    assert link is not None
    return link


def chunk_graph(
    graph: Graph,
    plan: ChunkPlan,
    k: int,
    previous_files: list[str],
    prefix: str,
    preview: bool = True,
) -> Graph:
    """The prompt for chunk k (1-based): `previous_files` are chunks 1..k-1's latents as the
    server's input folder names them."""
    if not 1 <= k <= plan.chunks:
        raise ValueError(f"chunk {k} of {plan.chunks}")
    if len(previous_files) != k - 1:
        raise ValueError(f"chunk {k} needs {k - 1} earlier latents, got {len(previous_files)}")
    g = copy.deepcopy(graph)
    sampler = plan.samplers[k - 1]
    if k > 1:
        g[plan.extends[k - 2]]["inputs"]["video_latent"] = _load_chain(
            g, previous_files, f"chunk {k}"
        )
    next_id = _next_id(g)
    save_id = str(next_id)
    g[save_id] = {
        "class_type": "SaveLatent",
        "inputs": {"samples": [sampler, 0], "filename_prefix": f"vidgen/{prefix}-chunk{k:02d}"},
        "_meta": {"title": f"chunk {k} latent"},
    }
    roots = [save_id]
    if preview:
        decode_id, video_id, out_id = (str(next_id + i) for i in (1, 2, 3))
        g[decode_id] = {
            "class_type": "VAEDecode",
            "inputs": {"samples": [sampler, 0], "vae": plan.vae},
            "_meta": {"title": f"chunk {k} preview decode"},
        }
        g[video_id] = {
            "class_type": "CreateVideo",
            "inputs": {"images": [decode_id, 0], "fps": plan.fps},
            "_meta": {"title": f"chunk {k} preview"},
        }
        g[out_id] = {
            "class_type": "SaveVideo",
            "inputs": {
                "video": [video_id, 0],
                "filename_prefix": f"vidgen/{prefix}-chunk{k:02d}-preview",
                "format": "mp4",
                "codec": "h264",
            },
            "_meta": {"title": f"chunk {k} preview video"},
        }
        roots.append(out_id)
    return prune(g, roots)


def assembly_graph(graph: Graph, plan: ChunkPlan, files: list[str]) -> Graph:
    """The prompt that decodes every chunk's latent into the final MP4 (with the speech)."""
    if len(files) != plan.chunks:
        raise ValueError(f"the assembly needs {plan.chunks} latents, got {len(files)}")
    g = copy.deepcopy(graph)
    link = _load_chain(g, files, "assembly")
    for node in g.values():
        for name, value in node["inputs"].items():
            if value == plan.final_latent:
                node["inputs"][name] = list(link)
    return prune(g, plan.outputs)
