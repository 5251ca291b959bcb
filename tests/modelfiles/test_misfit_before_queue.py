"""A file whose header says it is another model is refused before anything is queued (no
POST /prompt), and the user's own file for a slot is what the queued graph loads."""

from __future__ import annotations

import json

import pytest

from tests.fakes import model_files as mf
from tests.fakes.fake_comfy import FakeComfy
from tests.fakes.shipped_models import install_shipped_models
from vidgen_desktop.cli.main import main


@pytest.fixture
def comfy(tmp_path):
    fake = FakeComfy("0.25")
    fake.model_root = tmp_path / "ComfyUI" / "models"
    install_shipped_models(fake.model_root, skip=("sd_xl_base_1.0.safetensors",))
    fake.steps = 1
    yield fake
    fake.stop()


def image_args(comfy, tmp_path, *, server=True):
    from tests.voice_video.conftest import SCENE

    scene = tmp_path / "scene.json"
    scene.write_text(json.dumps(SCENE), encoding="utf-8")
    where = ["--comfyui", comfy.url] if server else []
    return [
        "image",
        "--scene",
        str(scene),
        "--project",
        str(tmp_path / "p"),
        *where,
        "--workflow",
        "image_sdxl",
        "--no-handoff",
        "--width",
        "512",
        "--height",
        "512",
    ]


def test_an_sd15_file_under_the_sdxl_name_is_refused_before_queueing(comfy, tmp_path, capsys):
    ckpts = comfy.model_root / "checkpoints"
    mf.write_safetensors(ckpts / "sd_xl_base_1.0.safetensors", mf.sd15_checkpoint())
    code = main(image_args(comfy, tmp_path))
    err = capsys.readouterr().err
    assert code == 8
    assert "sd_xl_base_1.0.safetensors is an SD 1.5 checkpoint" in err
    assert comfy.prompts_seen == 0


def test_the_users_own_file_for_a_slot_is_bound_into_the_graph(comfy, tmp_path, isolated_home):
    ckpts = comfy.model_root / "checkpoints"
    mf.write_safetensors(ckpts / "juggernaut_xl.safetensors", mf.sdxl_checkpoint())
    config = isolated_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.json").write_text(
        json.dumps(
            {
                "comfyui_url": comfy.url,
                "model_choices": {
                    comfy.url: {"SDXL (checkpoint)": {"1.ckpt_name": "juggernaut_xl.safetensors"}}
                },
            }
        ),
        encoding="utf-8",
    )
    assert main(image_args(comfy, tmp_path, server=False)) == 0
    graph = next(b for b in comfy.bodies("/prompt"))["prompt"]
    assert graph["1"]["inputs"]["ckpt_name"] == "juggernaut_xl.safetensors"
