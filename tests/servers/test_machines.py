"""Which machine a server is on (the GPU hand-off is per machine: a LAN address of this PC is
this PC), the plain-http warning, the server list in Settings, and the proxy header reaching a
real socket on every request and the WebSocket's handshake."""

from __future__ import annotations

import socket

import pytest

from tests.fakes.fake_comfy import FakeComfy
from vidgen_desktop.core.settings import AUTOMATIC, ServerEntry, Settings, parse_header
from vidgen_desktop.gpu.handoff import before_comfy, before_ollama
from vidgen_desktop.gpu.machines import insecure_warning, is_this_machine, same_machine
from vidgen_desktop.pipeline.servers import client_for

ELSEWHERE = "http://192.0.2.10:8188"  # TEST-NET-1: never this machine


def own_lan_address() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: only a route is chosen
        except OSError:
            pytest.skip("this machine has no network route")
        address = probe.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("this machine has no address but loopback")
    return address


def test_loopback_names_and_a_lan_address_of_this_pc_are_one_machine():
    assert same_machine("http://127.0.0.1:11434", "http://localhost:8188")
    assert same_machine("http://127.0.0.1:11434", f"http://{own_lan_address()}:8188")
    assert is_this_machine(f"http://{own_lan_address()}:8188")
    assert not same_machine("http://127.0.0.1:11434", ELSEWHERE)
    assert same_machine(ELSEWHERE, "http://192.0.2.10:11434")


def test_handoff_is_skipped_only_for_a_comfyui_on_another_machine():
    def must_not_ask(*_a):
        raise AssertionError("Ollama was asked, though ComfyUI is on another machine")

    skipped = before_comfy(
        "http://127.0.0.1:1", comfy_url=ELSEWHERE, list_loaded=must_not_ask, unload=must_not_ask
    )
    assert (skipped.performed, skipped.confirmed) == (False, True)
    assert "another machine" in skipped.message
    # the same machine under its LAN address: the hand-off runs (and asks Ollama)
    asked = []
    here = f"http://{own_lan_address()}:8188"
    result = before_comfy(
        "http://127.0.0.1:1", comfy_url=here, list_loaded=lambda: asked.append(1) or []
    )
    assert asked == [1] and result.message == "Ollama holds no model."
    freed = before_ollama(ELSEWHERE, ollama_url="http://127.0.0.1:11434", read_stats=must_not_ask)
    assert not freed.performed and freed.confirmed


def test_plain_http_to_another_machine_is_warned_about():
    assert insecure_warning("http://127.0.0.1:8188") == ""
    assert insecure_warning("http://localhost:8188") == ""
    assert insecure_warning("https://gpu.example.org") == ""
    assert "unencrypted" in insecure_warning(ELSEWHERE)


def test_server_list_main_first_disabled_left_out_pins_fall_back():
    s = Settings(
        comfyui_url="http://127.0.0.1:8188",
        servers=[
            ServerEntry(name="B", url="http://10.0.0.2:8188/"),
            ServerEntry(name="off", url="http://10.0.0.3:8188", enabled=False),
            ServerEntry(url="http://127.0.0.1:8188"),  # the main one again: once only
        ],
        stage_servers={"video": "http://10.0.0.2:8188", "image": "http://10.0.0.9:8188"},
    )
    assert [e.url for e in s.comfy_servers()] == ["http://127.0.0.1:8188", "http://10.0.0.2:8188"]
    assert len(s.comfy_servers(enabled_only=False)) == 3
    assert s.pinned_server("video") == "http://10.0.0.2:8188"
    assert s.pinned_server("image") == AUTOMATIC  # that server was removed
    assert s.server_label("http://10.0.0.2:8188") == "B"
    assert s.server_label("http://127.0.0.1:8188") == "127.0.0.1:8188"
    assert parse_header("Authorization: Bearer abc") == {"Authorization": "Bearer abc"}
    assert parse_header("Bearer abc") == {} and parse_header("Bad Name: x") == {}


def test_proxy_header_goes_with_every_request_and_the_websocket():
    fake = FakeComfy("0.25")
    try:
        settings = Settings(
            comfyui_url="http://127.0.0.1:1",
            servers=[ServerEntry(url=fake.url, auth_header="Authorization: Bearer s3cret")],
        )
        client = client_for(settings, fake.url)
        client.system_stats()
        client.events().connect()
        client.close()
        seen = [(r.path, (r.headers or {}).get("Authorization")) for r in fake.requests]
        assert ("/system_stats", "Bearer s3cret") in seen and ("/ws", "Bearer s3cret") in seen
    finally:
        fake.stop()
