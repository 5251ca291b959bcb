"""How long a render will take on this machine, from what earlier runs of the same workflow on
the same server took (pipeline.timings), before anything is queued.

The sampler dominates. Its seconds per step per model evaluation are fitted as
a·u + b·u² over the latent units u (pixels × frames in latent space): the linear part is the
transformer's matmuls, the quadratic part attention over every latent token. With runs at two or
more sizes both are fitted; with one size the quadratic share is taken from
ATTENTION_SHARE at a 480×832 chunk and only the scale is fitted. Loads, encoders and the
sampler's warm-up (moving the model onto the GPU) cost what they cost (medians), the decode and the save scale with decoded megapixel-frames, and our own
bookkeeping (transfers, chunk boundaries) with the number of chunks. The range comes from how far
each past run's step time was from the fit, never narrower than the floor for that many runs.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.pipeline.timings import RenderShape, RunTiming, latent_units
from vidgen_desktop.pipeline.types import StageRequest

#: attention's share of one step at REFERENCE_UNITS (a 480×832, 77-frame chunk of Wan 14B);
#: only used while every run so far had the same size
ATTENTION_SHARE = 0.4
REFERENCE_UNITS = latent_units(480, 832, 77)
#: the narrowest range we claim, by how much we know: ±share of the estimate
FLOOR_MANY, FLOOR_FEW, FLOOR_DRAFT = 0.10, 0.15, 0.30


@dataclass
class Estimate:
    seconds: float | None
    low: float | None = None
    high: float | None = None
    #: what it was computed from, for the user ("3 runs on this machine", "a draft …")
    basis: str = "no run of this workflow on this machine yet"
    runs: int = 0
    from_draft: bool = False
    #: predicted seconds per part (load, encode, sample, decode, save, other)
    parts: dict[str, float] = field(default_factory=dict)
    #: predicted seconds of one step of this shape (the live ETA scales it by the measured one)
    step_s: float | None = None

    def sentence(self) -> str:
        if self.seconds is None:
            return f"unknown: {self.basis}"
        span = ""
        if self.low is not None and self.high is not None:
            span = f"range {_time(self.low)} – {_time(self.high)}, "
        return f"about {_time(self.seconds)} ({span}from {self.basis})"


def _time(seconds: float) -> str:
    """h:mm:ss as everywhere; under a minute and a half in seconds ("0:00" says nothing)."""
    return f"{max(1, round(seconds))} s" if seconds < 90 else format_duration(seconds)


def fit_steps(runs: list[RunTiming]) -> tuple[float, float] | None:
    """(a, b) of seconds per step per evaluation = a·u + b·u²; None without a measured step."""
    points = [
        (r.shape.units, r.step_s / max(r.shape.evals, 1))
        for r in runs
        if r.step_s is not None and r.step_s > 0 and r.shape.units > 0
    ]
    if not points:
        return None
    sizes = sorted({round(u, -1) for u, _t in points})
    if len(sizes) >= 2 and max(sizes) > 1.2 * min(sizes):
        fitted = _least_squares(points)
        if fitted is not None:
            return fitted
    alpha = (1 - ATTENTION_SHARE) / REFERENCE_UNITS
    beta = ATTENTION_SHARE / REFERENCE_UNITS**2
    scale = statistics.median(t / (alpha * u + beta * u * u) for u, t in points)
    return scale * alpha, scale * beta


def _least_squares(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """Non-negative a, b minimising Σ(a·u + b·u² − t)² (closed form, then clamped)."""
    s11 = sum(u * u for u, _ in points)
    s12 = sum(u**3 for u, _ in points)
    s22 = sum(u**4 for u, _ in points)
    r1 = sum(u * t for u, t in points)
    r2 = sum(u * u * t for u, t in points)
    det = s11 * s22 - s12 * s12
    if det <= 0:
        return None
    a = (r1 * s22 - r2 * s12) / det
    b = (s11 * r2 - s12 * r1) / det
    if a < 0:  # all quadratic
        return 0.0, r2 / s22
    if b < 0:  # all linear
        return r1 / s11, 0.0
    return a, b


def step_seconds(fit: tuple[float, float], shape: RenderShape) -> float:
    a, b = fit
    u = shape.units
    return max(shape.evals, 1) * (a * u + b * u * u)


def estimate(runs: list[RunTiming], shape: RenderShape) -> Estimate:
    """The render of `shape`, predicted from `runs` (this workflow on this server)."""
    fit = fit_steps(runs)
    if fit is None or shape.steps <= 0:
        return Estimate(None)
    per_step = step_seconds(fit, shape)
    sample = shape.calls * shape.steps * per_step
    # what a sampler node takes beyond its steps (moving the model onto the GPU, the first
    # step's set-up): as measured, once per render
    warmup = _median(
        max(0.0, r.parts.get("sample", 0.0) - r.shape.calls * r.shape.steps * (r.step_s or 0.0))
        for r in runs
        if r.step_s
    )
    parts = {
        "warmup": warmup,
        "load": _median(r.parts.get("load", 0.0) for r in runs),
        "encode": _median(r.parts.get("encode", 0.0) for r in runs),
        "sample": sample,
        "decode": _per_pixel_frame(runs, "decode") * shape.pixel_frames,
        "save": _per_pixel_frame(runs, "save") * shape.pixel_frames,
        "other": _median(r.other_s / max(r.shape.calls, 1) for r in runs) * shape.calls,
    }
    total = sum(parts.values())
    real = [r for r in runs if not r.draft]
    drafts = len(runs) - len(real)
    ratios = [
        (r.step_s / max(r.shape.evals, 1)) / (step_seconds(fit, r.shape) / max(r.shape.evals, 1))
        for r in runs
        if r.step_s and step_seconds(fit, r.shape) > 0
    ]
    floor = FLOOR_DRAFT if not real else FLOOR_MANY if len(runs) >= 3 else FLOOR_FEW
    low_ratio = min([1 - floor, *ratios])
    high_ratio = max([1 + floor, *ratios])
    if not real:
        basis = "a draft on this machine" if drafts == 1 else f"{drafts} drafts on this machine"
    else:
        basis = f"{len(real)} run{'s' if len(real) != 1 else ''} on this machine"
        if drafts:
            basis += f" and {drafts} draft{'s' if drafts != 1 else ''}"
    return Estimate(
        total,
        total * low_ratio,
        total * high_ratio,
        basis,
        len(runs),
        not real,
        parts,
        per_step,
    )


def accuracy(runs: list[RunTiming]) -> str:
    """How far past estimates were from the real time here ("" before any was checked)."""
    checked = [
        (r.total_s / r.estimate_s - 1) * 100
        for r in runs
        if not r.draft and r.estimate_s and r.total_s > 0
    ]
    if not checked:
        return ""
    lo, hi = min(checked), max(checked)
    n = len(checked)
    spread = f"{lo:+.0f} %" if n == 1 else f"{lo:+.0f} % to {hi:+.0f} %"
    return (
        f"Past estimates here: the real time was {spread} of the estimate "
        f"({n} render{'s' if n != 1 else ''})."
    )


def _median(values) -> float:
    values = [float(v) for v in values]
    return statistics.median(values) if values else 0.0


def _per_pixel_frame(runs: list[RunTiming], part: str) -> float:
    return _median(
        r.parts.get(part, 0.0) / r.shape.pixel_frames for r in runs if r.shape.pixel_frames > 0
    )


def shape_of(request: StageRequest) -> RenderShape:
    """What a request will make, in the units its cost scales with (no I/O)."""
    wf, p = request.workflow, request.params
    info = wf.manifest.video
    lora = bool(p.get("lora")) and "lora" in wf.params
    cfg = p.get("cfg")
    if cfg is None and lora and info is not None and info.lora_cfg is not None:
        cfg = info.lora_cfg
    if cfg is None:
        cfg = wf.default("cfg")
    evals = 1 if cfg is not None and float(cfg) == 1.0 else 2
    width = int(p.get("width") or wf.default("width") or 0)
    height = int(p.get("height") or wf.default("height") or 0)
    steps = int(p.get("steps") or wf.default("steps") or 0)
    if request.stage == "video":
        from vidgen_desktop.workflow import plan_video

        plan = plan_video(wf, seconds=float(p.get("seconds") or 0), fps=p.get("fps"), steps=steps)
        return RenderShape(
            width=width,
            height=height,
            frames=plan.chunk_frames,
            calls=plan.chunks,
            steps=plan.steps_per_chunk,
            evals=evals,
            out_frames=plan.decoded_frames,
        )
    if request.stage == "image":
        return RenderShape(width=width, height=height, steps=steps, evals=evals)
    # speech and songs: their latent grows with the clip, not with pixels
    seconds = float(p.get("seconds") or 10.0)
    return RenderShape(
        width=16, height=16, frames=max(1, int(seconds * 4)), steps=steps, evals=evals
    )


def render_eta(
    est: Estimate | None,
    shape: RenderShape,
    chunk: int,
    step: float | None,
    steps: float | None,
    eta_here: float | None,
) -> float | None:
    """Seconds left for the whole render while chunk `chunk` (1-based) samples: what is left of
    this chunk at the live rate, the chunks after it, then the decode and the save; the model's
    parts scaled by how fast this machine runs today. None without a live rate or an estimate."""
    if est is None or est.seconds is None or not est.step_s or eta_here is None:
        return None
    left_here = max(float(steps or 0) - float(step or 0), 0.0)
    live = eta_here / left_here if left_here else est.step_s
    ratio = min(max(live / est.step_s, 0.25), 4.0)
    per_chunk_other = est.parts.get("other", 0.0) / max(shape.calls, 1)
    later = max(shape.calls - chunk, 0) * (shape.steps * live + per_chunk_other)
    tail = (est.parts.get("decode", 0.0) + est.parts.get("save", 0.0)) * ratio
    return eta_here + later + tail
