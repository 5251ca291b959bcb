"""`vidgen models` and `vidgen doctor` against a fake ComfyUI whose model routes answer as the
recorded 0.25 server's do, from a real models folder on disk; local (headers read) and remote
(names and `/view_metadata` only)."""

from __future__ import annotations

import json

import pytest
import requests

from tests.fakes import model_files as mf
from tests.fakes.fake_comfy import FakeComfy
from tests.fakes.fake_comfy_models import recorded
from tests.fakes.shipped_models import install_shipped_models
from vidgen_desktop.cli.main import main
from vidgen_desktop.comfy.client import ComfyClient
from vidgen_desktop.modelfiles.catalog import catalog_for


def download_missing(comfy, hub) -> int:
    """`vidgen download` of the S2V workflow's missing files, through the test's hub."""
    return main(
        ["download", "--workflow", "video_wan22_s2v", "--comfyui", comfy.url, "--mirror", hub.url]
    )


@pytest.fixture
def comfy(tmp_path):
    fake = FakeComfy("0.25")
    fake.model_root = tmp_path / "ComfyUI" / "models"
    fake.model_root.mkdir(parents=True)
    yield fake
    fake.stop()


def test_the_fake_answers_the_model_routes_as_the_recorded_server(comfy):
    mf.write_safetensors(
        comfy.model_root / "checkpoints" / "a.safetensors",
        mf.sd15_checkpoint(),
        {"modelspec.architecture": "stable-diffusion-v1"},
    )
    mf.write_safetensors(comfy.model_root / "vae" / "plain.safetensors", mf.sd_vae())
    get = lambda p, **kw: requests.get(comfy.url + p, timeout=5, **kw)  # noqa: E731
    paths = get("/internal/folder_paths").json()
    assert set(paths) == set(recorded("/internal/folder_paths")["body"])
    assert get("/api/internal/folder_paths").status_code == 404
    item = get("/experiment/models/checkpoints").json()[0]
    assert set(item) == set(recorded("/experiment/models/checkpoints")["body"][0])
    for path in (
        "/experiment/models/unet",
        "/experiment/models/no_such_folder",
        "/view_metadata/vae?filename=plain.safetensors",
        "/view_metadata/checkpoints?filename=missing.safetensors",
    ):
        reply = get(path)
        assert (reply.status_code, reply.content) == (404, b""), path
    meta = get("/view_metadata/checkpoints", params={"filename": "a.safetensors"}).json()
    assert meta == {"modelspec.architecture": "stable-diffusion-v1"}


def test_models_on_this_machine_are_read_from_their_headers(comfy, capsys):
    install_shipped_models(comfy.model_root)
    # a renamed file: an SD 1.5 checkpoint under an SDXL name, in a subfolder
    mf.write_safetensors(
        comfy.model_root / "checkpoints" / "mine" / "sdxl_best.safetensors", mf.sd15_checkpoint()
    )
    assert main(["models", "--comfyui", comfy.url, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_file = {r["file"]: r for r in rows}
    for row in rows:
        assert {
            "folder",
            "file",
            "family",
            "variant",
            "precision",
            "params",
            "bytes",
            "source",
        } <= set(row)
        assert row["source"] == "header"
    s2v = by_file["wan2.2_s2v_14B_fp8_scaled.safetensors"]
    assert (s2v["folder"], s2v["family"], s2v["variant"], s2v["precision"]) == (
        "diffusion_models",
        "Wan 2.2",
        "S2V 14B",
        "fp8_e4m3fn scaled",
    )
    assert s2v["bytes"] == (comfy.model_root / "diffusion_models" / s2v["file"]).stat().st_size
    assert by_file["mine/sdxl_best.safetensors"]["family"] == "SD 1.5"
    lora = by_file["wan2.2_t2v_lightx2v_4steps_lora_v1.1_high_noise.safetensors"]
    assert (lora["kind"], lora["family"], lora["rank"]) == ("LoRA", "Wan", 64)

    assert main(["models", "--comfyui", comfy.url, "--folder", "vae"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("vae/\n")
    assert "Wan 2.1 VAE" in text and "Flux VAE" in text and "checkpoints/" not in text


def test_a_remote_server_is_described_from_names_and_metadata_and_says_so(comfy, capsys):
    comfy.paths_seen_as = "/srv/elsewhere/ComfyUI"  # its paths are not on this machine
    mf.write_safetensors(
        comfy.model_root / "loras" / "portrait_style.safetensors",
        mf.sdxl_lora(),
        {"ss_base_model_version": "sdxl_base_v1-0", "ss_network_dim": "32"},
    )
    mf.write_safetensors(
        comfy.model_root / "diffusion_models" / "wan2.2_s2v_14B_bf16.safetensors", mf.wan(64, 1)
    )
    client = ComfyClient(comfy.url)
    catalog = catalog_for(client)
    client.close()
    assert not catalog.local_dirs
    lora = catalog.find("loras", "portrait_style.safetensors")
    assert lora is not None and (lora.family, lora.rank, lora.source) == ("SDXL", 32, "name")
    wan = catalog.find("diffusion_models", "wan2.2_s2v_14B_bf16.safetensors")
    assert wan is not None and (wan.family, wan.variant, wan.precision) == (
        "Wan 2.2",
        "S2V 14B",
        "bf16",
    )
    assert "guessed from the name" in wan.describe()
    assert main(["models", "--comfyui", comfy.url]) == 0
    assert "guessed from names" in capsys.readouterr().err


def test_doctor_says_ready_when_everything_is_installed(comfy, ollama, capsys):
    install_shipped_models(comfy.model_root)
    code = main(["doctor", "--comfyui", comfy.url, "--ollama", ollama.url])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Every shipped workflow can run here." in out
    assert "ComfyUI 0.25.0" in out


def test_doctor_names_each_missing_file_with_its_folder_and_source_and_exits_8(
    comfy, ollama, capsys
):
    install_shipped_models(comfy.model_root, skip=("wan_2.1_vae.safetensors",))
    code = main(["doctor", "--comfyui", comfy.url, "--ollama", ollama.url, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 8 and report["ready"] is False
    video = next(w for w in report["workflows"] if w["stage"] == "video")
    assert not video["can_run"]
    vae = next(s for s in video["slots"] if s["file"] == "wan_2.1_vae.safetensors")
    assert vae["state"] == "missing" and vae["folder"] == "vae"
    assert vae["url"].startswith("https://huggingface.co/")
    assert vae["target_dir"] == str(comfy.model_root / "vae")
    assert all(w["can_run"] for w in report["workflows"] if w["stage"] != "video")


def test_doctor_flags_a_file_whose_content_does_not_fit_and_offers_one_that_does(
    comfy, ollama, capsys
):
    install_shipped_models(comfy.model_root, skip=("sd_xl_base_1.0.safetensors",))
    ckpts = comfy.model_root / "checkpoints"
    mf.write_safetensors(ckpts / "sd_xl_base_1.0.safetensors", mf.sd15_checkpoint())
    mf.write_safetensors(ckpts / "juggernaut_xl.safetensors", mf.sdxl_checkpoint())
    code = main(["doctor", "--comfyui", comfy.url, "--ollama", ollama.url])
    out = capsys.readouterr().out
    assert code == 8
    assert (
        "sd_xl_base_1.0.safetensors is an SD 1.5 checkpoint; the workflow expects SDXL "
        "base checkpoint."
    ) in out
    assert "files here that fit: juggernaut_xl.safetensors" in out


def test_doctor_with_comfyui_down_exits_8_and_says_where_it_looked(ollama, capsys):
    code = main(["doctor", "--comfyui", "http://127.0.0.1:9", "--ollama", ollama.url])
    out = capsys.readouterr().out
    assert code == 8
    assert "ComfyUI is not reachable at http://127.0.0.1:9" in out


def test_vidgen_download_fetches_what_a_workflow_lacks_through_the_mirror(comfy, capsys, tmp_path):
    from tests.fakes.file_server import FileServer
    from tests.fakes.shipped_models import BUILDERS

    install_shipped_models(comfy.model_root, skip=("wan_2.1_vae.safetensors",))
    vae = mf.write_safetensors(
        tmp_path / "hub" / "v.safetensors", BUILDERS["wan_2.1_vae.safetensors"](), sparse=False
    )
    hub = FileServer()
    try:
        hub.add(
            "/Comfy-Org/Wan_2.2_ComfyUI_Repackaged/resolve/main/split_files/vae/"
            "wan_2.1_vae.safetensors",
            vae.read_bytes(),
        )
        code = download_missing(comfy, hub)
        err = capsys.readouterr().err
        assert code == 0, err
        landed = comfy.model_root / "vae" / "wan_2.1_vae.safetensors"
        assert landed.read_bytes() == vae.read_bytes()
        assert err.index(f"from {hub.url}/Comfy-Org/") < err.index("complete")
        # nothing else was fetched: the other files were there
        assert [p for _, p in hub.requests] == [
            "/Comfy-Org/Wan_2.2_ComfyUI_Repackaged/resolve/main/split_files/vae/"
            "wan_2.1_vae.safetensors"
        ]
        assert download_missing(comfy, hub) == 0
        assert "nothing to download" in capsys.readouterr().err
    finally:
        hub.stop()


def test_vidgen_download_into_a_folder_on_another_machine_is_refused_with_what_to_do(comfy, capsys):
    comfy.paths_seen_as = "/srv/elsewhere/ComfyUI"
    code = main(
        [
            "download",
            "--url",
            "https://example.org/a.safetensors",
            "--folder",
            "loras",
            "--comfyui",
            comfy.url,
        ]
    )
    assert code == 2
    assert "loras folder is not on this machine" in capsys.readouterr().err
