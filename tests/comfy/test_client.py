"""ComfyClient HTTP calls against the fake (both versions): introspection, upload, free, queue, jobs."""

from __future__ import annotations

import pytest

from vidgen_desktop.comfy.client import ComfyClient
from vidgen_desktop.comfy.errors import UploadTooLarge
from vidgen_desktop.comfy.models import FileRef
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, ServerError


def test_system_stats_reports_version_and_vram(fake_comfy, client):
    stats = client.system_stats()
    assert (
        stats.system.comfyui_version == {"0.25": "0.25.0", "0.3.64": "0.3.64"}[fake_comfy.version]
    )
    assert stats.primary is not None and stats.primary.vram_total > stats.primary.vram_free > 0


def test_object_info_is_cached_per_client(fake_comfy, client):
    info = client.object_info()
    assert "KSampler" in info and "SaveImage" in info
    assert client.object_info() is info
    assert fake_comfy.paths().count("/object_info") == 1
    client.refresh()
    client.object_info()
    assert fake_comfy.paths().count("/object_info") == 2


def test_queue_length_and_free(fake_comfy, client):
    assert client.queue_remaining() == 0
    client.free()
    assert fake_comfy.bodies("/free") == [{"unload_models": True, "free_memory": True}]


def test_upload_image_and_audio(fake_comfy, client, tmp_path):
    wav = tmp_path / "speech.wav"
    wav.write_bytes(b"RIFF....WAVEfmt fake")
    result = client.upload(wav)
    assert result.node_value == "speech.wav" and result.type == "input"
    assert fake_comfy.uploads["speech.wav"] == wav.read_bytes()
    png = tmp_path / "face.png"
    png.write_bytes(b"\x89PNG")
    assert client.upload(png, subfolder="vidgen").node_value == "vidgen/face.png"


def test_upload_over_advertised_limit_is_refused_before_sending(fake_comfy, client, tmp_path):
    fake_comfy.max_upload_size = 1000
    big = tmp_path / "long.wav"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(UploadTooLarge) as info:
        client.upload(big)
    assert "long.wav" in info.value.message and "max-upload-size" in info.value.hint
    assert "/upload/image" not in fake_comfy.paths()


def test_upload_413_from_server_is_clear(fake_comfy, client, tmp_path):
    client.features()  # cached with the default 100 MB limit
    fake_comfy.max_upload_size = 1000  # the server was restarted with a lower limit
    big = tmp_path / "long.wav"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(UploadTooLarge):
        client.upload(big)


def test_jobs_api_only_on_025(fake_comfy, client, project, graph):
    from vidgen_desktop.comfy.job import run_job

    result = run_job(client, graph, lambda p: None, CancelToken(), project, "image")
    job = client.job(result.prompt_id)
    if fake_comfy.version == "0.25":
        assert job is not None and job.status == "completed" and job.outputs
        assert client.job("00000000-0000-4000-8000-000000000000") is None
    else:
        assert job is None
    entry = client.history(result.prompt_id)
    assert entry is not None and entry.status.status_str == "success"
    assert client.history("00000000-0000-4000-8000-000000000000") is None


def test_download_missing_file_is_server_error(fake_comfy, client, tmp_path):
    with pytest.raises(ServerError):
        client.download(FileRef(filename="nope.png"), tmp_path / "x.png")
    assert not list(tmp_path.iterdir())


def test_cancelled_download_leaves_no_partial_file(fake_comfy, client, tmp_path):
    from tests.fakes.fake_comfy import FakeOutput

    fake_comfy.files[("output", "", "big.mp4")] = FakeOutput(
        "big.mp4", subfolder="", size=20_000_000
    )
    token = CancelToken()

    def on_bytes(done, total):
        if done > 2_000_000:
            token.cancel()

    with pytest.raises(Cancelled):
        client.download(FileRef(filename="big.mp4"), tmp_path / "big.mp4", token, on_bytes)
    assert list(tmp_path.iterdir()) == []


def test_submit_refuses_a_server_that_ignores_our_id(fake_comfy, graph):
    """0.3.64 and newer honour prompt_id; a server that does not would break reconnects."""
    client = ComfyClient(fake_comfy.url)
    orig = fake_comfy.submit

    def ignoring(body):
        status, payload = orig(dict(body, prompt_id=None) if fake_comfy.version == "0.25" else body)
        return status, dict(payload, prompt_id="someone-else") if status == 200 else payload

    fake_comfy.submit = ignoring  # the fake's behaviour, not our client
    with pytest.raises(ServerError) as info:
        client.submit(graph)
    assert "0.3.45" in info.value.hint
