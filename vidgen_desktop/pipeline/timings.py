"""What every finished run took on this machine, part by part, kept per workflow and server.

A ComfyUI prompt's nodes fall into parts whose cost scales differently: model loads (once per
render, whatever its size), text and audio encoders (small), the sampler (seconds per step grow
with the latent: pixels × frames), the VAE decode and the save (per decoded frame and pixel).
Each run is stored with its shape, so pipeline.estimate can predict a render of another size,
length or step count, and with the estimate it was given, so the window can say how far off past
estimates were. Drafts are stored too (they are runs of the same model at another size).
"""

from __future__ import annotations

import logging
import statistics
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vidgen_desktop.core.atomic import write_text_atomic

log = logging.getLogger(__name__)

#: runs kept per workflow and server (the newest)
KEPT = 30
PARTS = ("load", "encode", "sample", "decode", "save")


def part_of(class_type: str) -> str:
    """Which part of a run a node's time belongs to."""
    ct = class_type.lower()
    if "sampler" in ct:
        return "sample"
    if "loader" in ct or ct.startswith("load"):
        return "load"
    if "vaedecode" in ct or ct.startswith("decode"):
        return "decode"
    if ct.startswith(("save", "create", "preview")):
        return "save"
    return "encode"


def latent_units(width: int, height: int, frames: int) -> float:
    """The sampler's work per step grows with this: latent pixels (÷16 per side, the VAE's 8
    and the transformer's 2×2 patches) × latent frames (Wan packs 4 frames per latent frame)."""
    latent_frames = (frames - 1) // 4 + 1 if frames > 1 else 1
    return max(width, 16) / 16 * max(height, 16) / 16 * latent_frames


class RenderShape(BaseModel):
    """What a run does, in the units its cost scales with."""

    model_config = ConfigDict(extra="ignore")
    width: int = 0
    height: int = 0
    #: frames per sampler call (1 for a still; 77 for a chunk of S2V)
    frames: int = 1
    #: sampler calls (chunks)
    calls: int = 1
    steps: int = 0
    #: model evaluations per step: 1 at cfg 1 (ComfyUI skips the negative), else 2
    evals: int = 2
    #: frames decoded and saved
    out_frames: int = 1

    @property
    def units(self) -> float:
        return latent_units(self.width, self.height, self.frames)

    @property
    def pixel_frames(self) -> float:
        """Megapixel-frames decoded and saved."""
        return max(self.width, 1) * max(self.height, 1) * max(self.out_frames, 1) / 1e6

    @property
    def sampler_work(self) -> float:
        """Steps × evaluations × latent units (× calls): the sampler's share, in one number."""
        return self.calls * self.steps * self.evals * self.units


class RunTiming(BaseModel):
    model_config = ConfigDict(extra="ignore")
    workflow: str
    server: str
    stage: str
    draft: bool = False
    when: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    shape: RenderShape = Field(default_factory=RenderShape)
    #: seconds per part (PARTS), summed over the run's prompts
    parts: dict[str, float] = Field(default_factory=dict)
    #: median seconds of one sampler step (model evaluations per step as in `shape.evals`)
    step_s: float | None = None
    total_s: float = 0.0
    #: what we predicted before it ran (None: no estimate then)
    estimate_s: float | None = None

    @property
    def other_s(self) -> float:
        """Ours and the server's bookkeeping: transfers, queueing, the chunk boundaries."""
        return max(0.0, self.total_s - sum(self.parts.values()))


def measure(
    graphs: list[dict[str, Any]],
    results: list[Any],
    *,
    workflow: str,
    server: str,
    stage: str,
    shape: RenderShape,
    total_s: float,
    draft: bool = False,
    estimate_s: float | None = None,
) -> RunTiming:
    """A run's timing from its prompts' graphs and JobResults (node_seconds, step_gaps)."""
    parts = dict.fromkeys(PARTS, 0.0)
    gaps: list[float] = []
    for graph, result in zip(graphs, results, strict=False):
        for node, seconds in getattr(result, "node_seconds", {}).items():
            class_type = str((graph.get(node) or {}).get("class_type", ""))
            parts[part_of(class_type)] += float(seconds)
        for values in getattr(result, "step_gaps", {}).values():
            gaps += [float(v) for v in values if v > 0]
    return RunTiming(
        workflow=workflow,
        server=server.rstrip("/"),
        stage=stage,
        draft=draft,
        shape=shape,
        parts={k: round(v, 3) for k, v in parts.items()},
        step_s=round(statistics.median(gaps), 4) if gaps else None,
        total_s=round(total_s, 3),
        estimate_s=round(estimate_s, 1) if estimate_s is not None else None,
    )


class TimingData(BaseModel):
    model_config = ConfigDict(extra="ignore")
    version: int = 1
    runs: list[RunTiming] = Field(default_factory=list)


class TimingStore:
    """Per-user (timings.json in the data folder); thread-safe; a failed write is only logged:
    a timing is never worth failing a finished job for."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def _read(self) -> TimingData:
        try:
            return TimingData.model_validate_json(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return TimingData()
        except (OSError, ValueError) as exc:
            log.warning("timings %s unreadable (%s): starting afresh", self.path, exc)
            return TimingData()

    def runs(self, workflow: str, server: str | None = None) -> list[RunTiming]:
        with self._lock:
            data = self._read()
        key = server.rstrip("/") if server else None
        return [r for r in data.runs if r.workflow == workflow and (key is None or r.server == key)]

    def add(self, timing: RunTiming) -> None:
        with self._lock:
            data = self._read()
            data.runs.append(timing)
            mine = [
                r for r in data.runs if (r.workflow, r.server) == (timing.workflow, timing.server)
            ]
            for old in mine[:-KEPT]:
                data.runs.remove(old)
            try:
                write_text_atomic(self.path, data.model_dump_json(indent=1))
            except Exception as exc:
                log.warning("could not store the run's timing: %s", exc)
