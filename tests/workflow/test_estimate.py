"""The time estimate, from timings recorded on a real GPU (the H200 run in
tests/data/transcripts/v0.25/comfyui_s2v_gpu_h200.json) and synthetic ones whose true model is
known: a fit must give back what it was fitted on, scale the way the sampler scales, and say
what it knows and how well."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.fakes.fake_comfy_data import load_recorded
from vidgen_desktop.pipeline.estimate import (
    ATTENTION_SHARE,
    REFERENCE_UNITS,
    accuracy,
    estimate,
    fit_steps,
    render_eta,
    shape_of,
)
from vidgen_desktop.pipeline.inputs import VideoInputs, video_request
from vidgen_desktop.pipeline.timings import (
    RenderShape,
    RunTiming,
    TimingStore,
    latent_units,
    measure,
)
from vidgen_desktop.workflow import Stage, named_workflow


@dataclass
class Recorded:
    """The parts of a JobResult the timing reads."""

    node_seconds: dict[str, float]
    step_gaps: dict[str, list[float]] = field(default_factory=dict)


def h200_run() -> RunTiming:
    rec = load_recorded("v0.25", "s2v_gpu_h200")
    timings = rec["timings"]
    nodes = {key.split()[0]: float(v) for key, v in timings["node_seconds"].items()}
    gaps = {k: [float(x) for x in v] for k, v in timings["ksampler_step_gaps_s"].items()}
    p = rec["params"]
    shape = RenderShape(
        width=p["width"],
        height=p["height"],
        frames=p["length"],
        calls=2,
        steps=p["steps"],
        evals=2,
        out_frames=rec["video"]["streams"][0]["frames"],
    )
    return measure(
        [rec["workflow"]],
        [Recorded(nodes, gaps)],
        workflow="S2V",
        server="http://gpu:8188",
        stage="video",
        shape=shape,
        total_s=timings["total_s"],
    )


def test_the_recorded_h200_run_splits_into_its_parts():
    run = h200_run()
    assert run.parts["load"] == pytest.approx(0.913 + 0.055 + 0.201 + 0.055 + 0.018 + 0.016)
    assert run.parts["sample"] == pytest.approx(4.792 + 2.411)
    assert run.parts["decode"] == pytest.approx(1.159)
    assert run.parts["save"] == pytest.approx(3.257 + 0.001)
    assert run.parts["encode"] == pytest.approx(0.917 + 0.716 + 0.171 + 0.378 + 0.06 + 0.015)
    assert run.step_s == pytest.approx((0.78 + 0.871) / 2)
    assert run.other_s == pytest.approx(15.148 - sum(run.parts.values()), abs=1e-6)


def test_one_run_predicts_itself_and_scales_like_a_transformer():
    run = h200_run()
    same = estimate([run], run.shape)
    assert same.seconds == pytest.approx(run.total_s, rel=0.01)
    assert same.basis == "1 run on this machine" and not same.from_draft
    assert same.low < same.seconds < same.high
    assert same.low == pytest.approx(same.seconds * 0.85) and same.high == pytest.approx(
        same.seconds * 1.15
    )
    # one size known: the prior splits a step into matmuls and attention at a 480×832 chunk
    a, b = fit_steps([run])
    assert b * REFERENCE_UNITS**2 / (a * REFERENCE_UNITS + b * REFERENCE_UNITS**2) == pytest.approx(
        ATTENTION_SHARE
    )
    small, big = run.shape, run.shape.model_copy(update={"width": 640, "height": 640})
    assert big.units == 4 * small.units
    ratio = estimate([run], big).step_s / estimate([run], small).step_s
    assert 4 < ratio < 16  # more than linear (attention), less than quadratic (the matmuls)
    # steps and chunks scale the sampling only; the loads stay what they were
    longer = run.shape.model_copy(update={"calls": 8, "steps": 20})
    more = estimate([run], longer)
    assert more.parts["load"] == pytest.approx(same.parts["load"])
    assert more.parts["sample"] == pytest.approx(8 * 20 * same.step_s, rel=1e-6)
    assert more.parts["warmup"] == pytest.approx(same.parts["warmup"])
    assert same.parts["warmup"] > 3.0  # moving the 14B model onto the GPU, as measured


def synthetic(units_list, a=2e-5, b=4e-10, evals=2, draft=False) -> list[RunTiming]:
    runs = []
    for u in units_list:
        side = int((u / 20) ** 0.5 * 16)
        shape = RenderShape(width=side, height=side, frames=77, steps=4, evals=evals)
        per_eval = a * shape.units + b * shape.units**2
        runs.append(
            RunTiming(
                workflow="w",
                server="s",
                stage="video",
                draft=draft,
                shape=shape,
                parts={
                    "load": 10.0,
                    "encode": 1.0,
                    "sample": 4 * evals * per_eval + 2.0,
                    "decode": 3.0,
                    "save": 1.0,
                },
                step_s=evals * per_eval,
                total_s=10 + 1 + 4 * evals * per_eval + 2 + 3 + 1 + 0.5,
            )
        )
    return runs


def test_runs_at_several_sizes_recover_the_true_model():
    runs = synthetic([8000, 20000, 32000])
    a, b = fit_steps(runs)
    assert a == pytest.approx(2e-5, rel=1e-6) and b == pytest.approx(4e-10, rel=1e-6)
    target = RenderShape(width=480, height=832, frames=77, steps=20, evals=2, calls=9)
    est = estimate(runs, target)
    assert est.step_s == pytest.approx(2 * (2e-5 * target.units + 4e-10 * target.units**2))
    assert est.basis == "3 runs on this machine"
    assert est.high / est.seconds == pytest.approx(1.10) and est.low / est.seconds == pytest.approx(
        0.90
    )


def test_a_draft_alone_gives_a_wider_range_and_says_so():
    (draft,) = synthetic([11000], draft=True)
    est = estimate(
        [draft], RenderShape(width=480, height=832, frames=77, steps=4, evals=1, calls=9)
    )
    assert est.from_draft and est.basis == "a draft on this machine"
    assert est.low == pytest.approx(est.seconds * 0.7) and est.high == pytest.approx(
        est.seconds * 1.3
    )
    assert est.sentence().startswith("about ") and "from a draft on this machine" in est.sentence()


def test_no_run_means_unknown_never_a_guess():
    est = estimate([], RenderShape(width=480, height=832, frames=77, steps=20))
    assert (
        est.seconds is None
        and est.sentence() == "unknown: no run of this workflow on this machine yet"
    )


def test_past_estimates_are_compared_with_what_happened():
    runs = synthetic([8000, 8000])
    runs[0].estimate_s, runs[1].estimate_s = runs[0].total_s / 1.1, runs[1].total_s / 0.8
    assert (
        accuracy(runs)
        == "Past estimates here: the real time was -20 % to +10 % of the estimate (2 renders)."
    )
    assert accuracy(synthetic([8000])) == ""


def test_the_live_eta_covers_the_chunks_left_and_the_decode():
    run = h200_run()
    shape = run.shape.model_copy(update={"calls": 4, "steps": 10})
    est = estimate([run], shape)
    # chunk 2 of 4, 4 of 10 steps done, running exactly as predicted
    left_here = 6 * est.step_s
    eta = render_eta(est, shape, 2, 4, 10, left_here)
    tail = est.parts["decode"] + est.parts["save"]
    per_chunk_other = est.parts["other"] / 4
    assert eta == pytest.approx(left_here + 2 * (10 * est.step_s + per_chunk_other) + tail)
    # twice as slow today: the chunks left take twice as long
    slow = render_eta(est, shape, 2, 4, 10, 2 * left_here)
    assert slow > 1.9 * (eta - tail)
    assert render_eta(None, shape, 2, 4, 10, left_here) is None


def test_a_draft_of_a_40_second_video_costs_under_a_fifteenth_of_the_render():
    """The shipped S2V workflow on a 12 GB card (the fast path) and on a big one (20 steps)."""
    from vidgen_desktop.pipeline.draft import draft_request

    wf = named_workflow("video_wan22_s2v", Stage.VIDEO)
    inputs = VideoInputs(image="i.png", audio="a.wav", positive="talks", seconds=40.0, seed=7)
    (run,) = synthetic([11000])
    for card, ratio_max in ((12 * 1024**3, 1 / 15), (80 * 1024**3, 1 / 15)):
        inputs.card_bytes = card
        full, _plan = video_request(wf, inputs)
        draft, notes = draft_request(wf, inputs)
        full_work = estimate([run], shape_of(full)).parts["sample"]
        draft_work = estimate([run], shape_of(draft)).parts["sample"]
        assert draft_work / full_work <= ratio_max, (card, draft_work / full_work)
        assert shape_of(draft).calls == 1 and draft.params["lora"] is True
        assert draft.params["seed"] == 7 and "the first 4.81 s (one chunk) of 40 s" in notes


def test_the_store_keeps_runs_per_workflow_and_server(tmp_path):
    store = TimingStore(tmp_path / "timings.json")
    for run in synthetic([8000, 9000]):
        store.add(run)
    other = synthetic([8000])[0].model_copy(update={"server": "elsewhere"})
    store.add(other)
    assert len(store.runs("w", "s")) == 2 and len(store.runs("w", "elsewhere")) == 1
    assert len(store.runs("w")) == 3 and store.runs("nope") == []
    (tmp_path / "timings.json").write_text("{broken", encoding="utf-8")
    assert store.runs("w") == []  # a damaged file costs the estimates, never a job


def test_latent_units_follow_the_vae_and_the_patches():
    assert latent_units(480, 832, 77) == 30 * 52 * 20
    assert latent_units(1024, 1024, 1) == 64 * 64
