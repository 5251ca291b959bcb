"""Every recorded WebSocket frame parses into its typed event; binary layouts match the recordings."""

from __future__ import annotations

import base64
import struct

import pytest

from tests.fakes.fake_comfy_data import load_recorded
from vidgen_desktop.comfy import events as ev
from vidgen_desktop.comfy.errors import OutOfMemory, execution_error, rejection_error

KNOWN = {
    "status",
    "execution_start",
    "execution_cached",
    "executing",
    "progress",
    "progress_state",
    "executed",
    "execution_success",
    "execution_error",
    "execution_interrupted",
    "feature_flags",
}
RECORDINGS = [
    ("v0.25", n)
    for n in (
        "image",
        "video",
        "audio",
        "video_with_audio",
        "interrupt",
        "runtime_error",
        "sampler_txt2img",
        "sampler_interrupt",
        "sampler_acestep",
        "ws_connect",
    )
] + [
    ("v0.3.64", n) for n in ("image", "video", "audio", "interrupt", "runtime_error", "ws_connect")
]


@pytest.mark.parametrize("tdir, name", RECORDINGS)
def test_recorded_text_frames_parse_to_typed_events(tdir, name):
    rec = load_recorded(tdir, name)
    for frame in rec["ws"]:
        if frame["kind"] != "text":
            continue
        event = ev.parse_text(__import__("json").dumps(frame["msg"]))
        assert event.type == frame["msg"]["type"]
        if event.type in KNOWN:
            assert not isinstance(event, ev.OtherEvent), event.type
        if isinstance(event, ev.Executing) and frame["msg"]["data"]["node"] is None:
            assert event.node is None and event.prompt_id


def test_recorded_preview_frame_type4_parses():
    rec = load_recorded("v0.25", "sampler_txt2img")
    frame = next(f for f in rec["ws"] if f["kind"] == "binary" and f.get("image_base64"))
    image = base64.b64decode(frame["image_base64"])
    raw = ev.encode_preview(image, metadata=frame["metadata"])
    assert raw[:16].hex() == frame["header_hex"]
    assert len(raw) == frame["length"]
    parsed = ev.parse_binary(raw)
    assert isinstance(parsed, ev.Preview)
    assert parsed.prompt_id == frame["metadata"]["prompt_id"] and parsed.node == "5"
    assert parsed.mime == "image/jpeg" and parsed.image == image


def test_plain_preview_type1_layout_matches_recording():
    layout = load_recorded("v0.3.64", "ws_binary_layout")["frames"]["plain"][0]
    png = bytes.fromhex(layout["image_magic"]) + b"\0" * (layout["total"] - 16)
    raw = ev.encode_preview(png, fmt=layout["image_format_u32"])
    assert len(raw) == layout["total"]
    parsed = ev.parse_binary(raw)
    assert (
        isinstance(parsed, ev.Preview) and parsed.mime == "image/png" and parsed.prompt_id is None
    )


def test_text_binary_frame_and_garbage():
    raw = struct.pack(">II", 3, 1) + b"7" + "step 3 ✓".encode()
    parsed = ev.parse_binary(raw)
    assert isinstance(parsed, ev.NodeText) and parsed.node == "7" and parsed.text == "step 3 ✓"
    assert isinstance(ev.parse_binary(b"\x00\x00"), ev.OtherEvent)
    assert isinstance(ev.parse_binary(struct.pack(">II", 4, 999) + b"{"), ev.OtherEvent)
    assert ev.parse_text("not json").type == "invalid"
    assert isinstance(ev.parse_text('{"type": "brand_new", "data": {}}'), ev.OtherEvent)


def test_tts_pack_validation_errors_are_readable():
    rec = load_recorded("v0.25", "tts_validation")
    messages = {}
    for name, case in rec.items():
        assert case["status"] == 400
        err = rejection_error(case["reply"])
        assert err.message and "{'" not in err.message
        assert all(p.message.endswith(".") for p in err.problems)
        messages[name] = err.message
    assert (
        "'Nobody' is not an allowed value for 'speaker'"
        in messages["qwen_custom_voice_bad_speaker"]
    )
    assert "missing its required input 'text'" in messages["qwen_custom_voice_missing_text"]
    assert "no output node" in messages["qwen_no_output_node"]


def test_oom_markers_detected():
    err = execution_error(
        {
            "node_id": "9",
            "node_type": "WanSoundImageToVideo",
            "exception_type": "torch.OutOfMemoryError",
            "exception_message": "Allocation on device 0 would exceed allowed memory.",
        }
    )
    assert isinstance(err, OutOfMemory) and "WanSoundImageToVideo" in err.message
    plain = execution_error(
        {
            "node_id": "1",
            "node_type": "X",
            "exception_type": "ValueError",
            "exception_message": "bad\nsecond line",
        }
    )
    assert not isinstance(plain, OutOfMemory) and plain.message.endswith("bad")
