"""Video: chunk math from length × the workflow's fps, and the N-chunk S2V graph.

The two-chunk graph is compared with the real Wan 2.2 S2V job recorded on an H200
(transcripts/v0.25/comfyui_s2v_gpu_h200.json), which the server accepted and ran.
"""

from __future__ import annotations

import json
import math

import pytest

from tests.workflow.conftest import WORKFLOWS, write_json
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.workflow import Stage, bind, from_graph, load_workflow, plan_video

PARAMS = {"image": "face.png", "audio": "voice.wav", "positive": "talking", "seed": 42}


@pytest.fixture
def s2v():
    return load_workflow(WORKFLOWS / "video_wan22_s2v.json")


def _by_class(graph, cls):
    return sorted((k for k, n in graph.items() if n["class_type"] == cls), key=int)


def _describe(graph, value):
    """A link as (source class, output index), so graphs with other ids compare equal."""
    if isinstance(value, list):
        return (graph[value[0]]["class_type"], value[1])
    return value


@pytest.mark.parametrize(
    ("seconds", "chunks", "frames"),
    [
        (0.1, 1, 2),
        (4.8125, 1, 77),
        (4.82, 2, 78),
        (6.0, 2, 96),
        (9.625, 2, 154),
        (9.63, 3, 155),
        (30.0, 7, 480),
    ],
)
def test_chunk_count_follows_length_times_fps(s2v, seconds, chunks, frames):
    plan = plan_video(s2v, seconds=seconds)
    assert plan.fps == 16.0 and plan.chunk_frames == 77
    assert (plan.chunks, plan.frames) == (chunks, frames)
    assert plan.chunks == math.ceil(frames / 77)
    assert plan.decoded_frames >= plan.frames


def test_fps_comes_from_the_workflow_not_a_constant(workflows_copy):
    path = workflows_copy / "video_wan22_s2v.json"
    graph = json.loads(path.read_text(encoding="utf-8"))
    assert plan_video(load_workflow(path), seconds=4.0).chunks == 1  # 64 frames at 16 fps
    graph["19"]["inputs"]["fps"] = 24.0
    write_json(path, graph)
    plan = plan_video(load_workflow(path), seconds=4.0)
    assert (plan.fps, plan.frames, plan.chunks) == (24.0, 96, 2)


def test_decoded_frames_match_the_recorded_two_chunk_job(s2v, s2v_transcript):
    recorded = s2v_transcript["params"]
    plan = plan_video(s2v, seconds=recorded["audio_seconds"])
    video_stream = next(s for s in s2v_transcript["video"]["streams"] if s["type"] == "video")
    assert plan.chunks == 2
    assert plan.decoded_frames == video_stream["frames"] == 157


def test_two_chunks_reproduce_the_recorded_graph(s2v, s2v_transcript):
    recorded = s2v_transcript["workflow"]
    bound = bind(s2v, {**PARAMS, "seconds": 6.0, "lora": False})
    graph = bound.graph
    for cls in ("WanSoundImageToVideoExtend", "LatentConcat"):
        ours, theirs = _by_class(graph, cls), _by_class(recorded, cls)
        assert len(ours) == len(theirs) == 1
        assert {k: _describe(graph, v) for k, v in graph[ours[0]]["inputs"].items()} == {
            k: _describe(recorded, v) for k, v in recorded[theirs[0]]["inputs"].items()
        }
    samplers = _by_class(graph, "KSampler")
    assert len(samplers) == 2
    second = graph[samplers[1]]["inputs"]
    recorded_second = recorded[_by_class(recorded, "KSampler")[1]]["inputs"]
    for name in ("positive", "negative", "latent_image"):
        assert _describe(graph, second[name]) == _describe(recorded, recorded_second[name])
    assert second["seed"] == graph[samplers[0]]["inputs"]["seed"] + 1 == 43
    decode = graph[_by_class(graph, "VAEDecode")[0]]["inputs"]
    assert _describe(graph, decode["samples"]) == ("LatentConcat", 0)


def test_n_chunks_chain_each_extend_onto_everything_before(s2v):
    bound = bind(s2v, {**PARAMS, "seconds": 18.0})  # 288 frames -> 4 chunks
    graph, plan = bound.graph, bound.video
    assert plan.chunks == 4 and plan.total_steps == 4 * 20
    extends = _by_class(graph, "WanSoundImageToVideoExtend")
    concats = _by_class(graph, "LatentConcat")
    samplers = _by_class(graph, "KSampler")
    assert (len(extends), len(concats), len(samplers)) == (3, 3, 4)
    previous = [samplers[0], 0]
    for extend, concat, sampler in zip(extends, concats, samplers[1:], strict=True):
        assert graph[extend]["inputs"]["video_latent"] == previous
        assert graph[sampler]["inputs"]["latent_image"] == [extend, 2]
        assert graph[concat]["inputs"] == {
            "samples1": previous,
            "samples2": [sampler, 0],
            "dim": "t",
        }
        previous = [concat, 0]
    assert graph[_by_class(graph, "VAEDecode")[0]]["inputs"]["samples"] == previous
    seeds = [graph[s]["inputs"]["seed"] for s in samplers]
    assert seeds == [42, 43, 44, 45]


def test_audio_is_padded_and_trimmed_and_frames_cut_to_length(s2v):
    graph = bind(s2v, {**PARAMS, "seconds": 7.5}).graph
    assert graph["7"]["inputs"]["duration"] == 7.5  # silence appended
    assert graph["8"]["inputs"]["audio2"] == ["7", 0]
    assert graph["9"]["inputs"]["duration"] == 7.5  # then cut to the length
    assert graph["10"]["inputs"]["audio"] == ["9", 0] and graph["19"]["inputs"]["audio"] == ["9", 0]
    assert graph["18"]["inputs"]["length"] == 120


def test_lora_switches_steps_and_cfg_unless_chosen(s2v):
    with_lora = bind(s2v, {**PARAMS, "seconds": 6.0, "lora": True}).graph
    samplers = _by_class(with_lora, "KSampler")
    assert all(with_lora[s]["inputs"]["steps"] == 4 for s in samplers)
    assert all(with_lora[s]["inputs"]["cfg"] == 1.0 for s in samplers)
    assert with_lora["14"]["inputs"]["model"] == ["13", 0]
    chosen = bind(s2v, {**PARAMS, "seconds": 6.0, "lora": True, "steps": 6}).graph
    assert chosen["16"]["inputs"]["steps"] == 6
    without = bind(s2v, {**PARAMS, "seconds": 6.0, "lora": False}).graph
    assert "13" not in without and without["14"]["inputs"]["model"] == ["1", 0]
    assert without["16"]["inputs"]["steps"] == 20 and without["16"]["inputs"]["cfg"] == 6.0


def test_too_long_is_refused_with_the_limit(s2v):
    with pytest.raises(InvalidInput, match="needs 13 chunks") as caught:
        plan_video(s2v, seconds=60.0)
    assert "at most 12 (58 s)" in caught.value.message
    with pytest.raises(InvalidInput, match="more than 0 seconds"):
        plan_video(s2v, seconds=0)


def test_cost_summary_and_estimate_never_invent_a_time(s2v):
    plan = plan_video(s2v, seconds=9.0, steps=4)
    assert plan.summary() == "2 chunks × 77 frames, 144 frames at 16 fps (9 s), 8 sampler steps"
    assert plan.estimate_seconds(None) is None
    assert plan.estimate_seconds(0) is None
    assert plan.estimate_seconds(12.5) == 100.0


def test_a_file_that_chains_its_own_extends_runs_as_exported(s2v_transcript):
    graph = json.loads(json.dumps(s2v_transcript["workflow"]))
    titles = {
        "5": "$image",
        "6": "$audio",
        "8": "$positive",
        "11": "$seed",
        "16": "$fps",
        "17": "$output",
    }
    for node_id, title in titles.items():
        graph[node_id]["_meta"] = {"title": title}
    workflow = from_graph(graph, source="recorded s2v")
    assert workflow.stage is Stage.VIDEO and workflow.inferred
    bound = bind(workflow, {**PARAMS, "seconds": 30.0})
    assert bound.video.prebuilt and bound.video.chunks == 2
    assert bound.video.frames == 157  # what the file can make, not the 480 asked for
    assert len(bound.graph) == len(graph)


def test_video_without_fps_anywhere_is_refused(s2v_transcript):
    graph = json.loads(json.dumps(s2v_transcript["workflow"]))
    for node_id, title in {
        "5": "$image",
        "6": "$audio",
        "8": "$positive",
        "11": "$seed",
        "17": "$output",
    }.items():
        graph[node_id]["_meta"] = {"title": title}
    graph["16"]["_meta"] = {"title": "Create Video"}
    with pytest.raises(InvalidInput, match=r"no node is titled \$fps"):
        from_graph(graph, source="no fps")
