"""A remote ComfyUI's missing model fetched by its ComfyUI-Manager (V4 under /v2, V3 without),
from the command line and from the Set-up page; the refusals the Manager really gives (V3's
security level: 403; V4's worker on a non-loopback server: a failed task in its history)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from tests.fakes import model_files as mf
from tests.fakes.fake_comfy import FakeComfy
from tests.fakes.file_server import FileServer
from tests.fakes.shipped_models import BUILDERS, install_shipped_models
from tests.modelfiles.test_models_and_doctor import download_missing
from tests.modelfiles.test_setup_page import open_setup, scroll_to
from tests.projects.conftest import app_window as app_window

VAE = "wan_2.1_vae.safetensors"
VAE_PATH = "/Comfy-Org/Wan_2.2_ComfyUI_Repackaged/resolve/main/split_files/vae/" + VAE


@pytest.fixture
def fake_comfy(tmp_path):
    fake = FakeComfy("0.25")
    fake.model_root = tmp_path / "server-pc" / "ComfyUI" / "models"
    fake.paths_seen_as = "/srv/server-pc/ComfyUI"  # not this machine's paths
    install_shipped_models(fake.model_root, skip=(VAE,))
    yield fake
    fake.stop()


@pytest.fixture
def hub(tmp_path):
    server = FileServer()
    vae = mf.write_safetensors(tmp_path / "hub" / VAE, BUILDERS[VAE](), sparse=False)
    server.add(VAE_PATH, vae.read_bytes())
    yield server
    server.stop()


@pytest.mark.parametrize("version", ["v4", "v3"])
def test_vidgen_download_asks_the_servers_manager(fake_comfy, hub, capsys, version):
    fake_comfy.manager = version
    code = download_missing(fake_comfy, hub)
    err = capsys.readouterr().err
    assert code == 0, err
    assert (fake_comfy.model_root / "vae" / VAE).read_bytes() == (hub.files[VAE_PATH].data)
    assert "to models/vae/ on the server (ComfyUI-Manager V" in err
    install = next(
        b
        for p, b in ((r.path, r.body) for r in fake_comfy.requests)
        if p.endswith("/manager/queue/install_model")
    )
    assert (install["save_path"], install["filename"]) == ("vae", VAE)
    assert install["url"] == hub.url + VAE_PATH
    assert ("client_id" in install) == (version == "v4")


def test_a_v3_manager_at_strong_security_refuses_and_says_what_to_do(fake_comfy, hub, capsys):
    fake_comfy.manager, fake_comfy.manager_security = "v3", "strong"
    code = download_missing(fake_comfy, hub)
    err = capsys.readouterr().err
    assert code == 4
    assert "refused to download model files (its security level)" in err
    assert "security_level" in err


def test_a_v4_manager_whose_worker_refuses_is_reported(fake_comfy, hub, capsys):
    fake_comfy.manager, fake_comfy.manager_refuses = "v4", True
    code = download_missing(fake_comfy, hub)
    err = capsys.readouterr().err
    assert code == 4
    assert "could not download the file: ERROR: To use this action, security_level must be" in err
    assert not (fake_comfy.model_root / "vae" / VAE).exists()


def test_the_set_up_page_has_the_server_download_it(qtbot, app_window, fake_comfy, hub):
    fake_comfy.manager = "v4"
    win = app_window(settings={"download_mirror": hub.url})
    dialog = open_setup(qtbot, win)
    assert "ComfyUI-Manager V4.2.2" in dialog.servers.text()
    row = next(r for r in dialog.rows if r.file == VAE)
    button = row.findChild(QPushButton, "download_button")
    assert button.isEnabled() and button.text() == "Download on the server"
    scroll_to(qtbot, dialog, button)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil((fake_comfy.model_root / "vae" / VAE).exists, timeout=15000)
    qtbot.waitUntil(lambda: "Ready" in dialog.summary.text(), timeout=15000)


def test_the_fake_v4_manager_answers_as_the_recorded_one(fake_comfy):
    import requests as http

    from tests.fakes.fake_manager import recorded

    fake_comfy.manager = "v4"
    url = fake_comfy.url
    version = http.get(url + "/v2/manager/version", timeout=5)
    assert (version.status_code, version.text) == (200, recorded("/v2/manager/version")["body"])
    assert http.get(url + "/manager/version", timeout=5).status_code == 404
    for key, body in (
        ("#no_client_id", {"ui_id": "u", "url": "x"}),
        ("#no_ui_id", {"client_id": "c", "url": "x"}),
    ):
        reply = http.post(url + "/v2/manager/queue/install_model", json=body, timeout=5)
        rec = recorded("/v2/manager/queue/install_model" + key)
        assert (reply.status_code, reply.text) == (rec["status"], rec["body"])
    refused = http.post(
        url + "/v2/manager/queue/start", data="x", headers={"Content-Type": "text/plain"}, timeout=5
    )
    rec = recorded("/v2/manager/queue/start#text_plain")
    assert (refused.status_code, refused.text) == (rec["status"], rec["body"])
    status = http.get(url + "/v2/manager/queue/status", timeout=5).json()
    assert list(status) == list(recorded("/v2/manager/queue/status")["body"])


def test_a_v4_download_is_followed_by_its_history_not_the_lingering_worker(fake_comfy, hub, capsys):
    import time

    fake_comfy.manager, fake_comfy.manager_linger_s = "v4", 4.0  # as the real worker lingers
    started = time.monotonic()
    code = download_missing(fake_comfy, hub)
    took = time.monotonic() - started
    assert code == 0, capsys.readouterr().err
    assert took < 3.5
    history = requests_get(fake_comfy.url + "/v2/manager/queue/history")["history"]
    (item,) = history.values()
    assert item["status"] == {"status_str": "success", "completed": True, "messages": []}


def requests_get(url: str):
    import requests as http

    return http.get(url, timeout=5).json()
