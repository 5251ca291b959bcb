"""Automatic stages over two fake ComfyUI servers on real sockets: a server killed in the middle
of a chunked render → the render continues on the other one after the re-attach window, from
the first chunk it does not have; nothing is sent twice; a server that lacks the workflow's
model is skipped for it; a pinned stage stays where it was pinned."""

from __future__ import annotations

import threading
import time

import pytest

from tests.fakes.stocked import recorded_object_info
from tests.voice_video.conftest import StockedComfy
from tests.voice_video.test_resume_cli import kinds
from tests.voice_video.test_stage_cli import project_with_takes
from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import ServerUnavailable
from vidgen_desktop.core.settings import ServerEntry, Settings
from vidgen_desktop.pipeline.failover import run_stage_anywhere
from vidgen_desktop.pipeline.inputs import VideoInputs, video_request
from vidgen_desktop.pipeline.ledger import Ledger
from vidgen_desktop.pipeline.servers import check_all, client_for, pick_server
from vidgen_desktop.workflow import Stage, shipped_workflows


@pytest.fixture
def two(mp4_with_sound):
    made = []
    for _ in range(2):
        fake = StockedComfy("0.25")
        fake.video_file = mp4_with_sound
        fake.steps = 2
        made.append(fake)
    yield made
    for fake in made:
        fake.stop()


def settings_for(a, b, **extra) -> Settings:
    return Settings(
        comfyui_url=a.url,
        servers=[ServerEntry(name="Second PC", url=b.url)],
        gpu_handoff=False,
        reattach_window_s=1.0,
        **extra,
    )


def video_of(project):
    wf = shipped_workflows(stage=Stage.VIDEO)[0]
    image = project.path_of(project.chosen_take("image"))
    audio = project.path_of(project.chosen_take("voice"))
    request, plan = video_request(
        wf, VideoInputs(image=image, audio=audio, positive="a person talking", seconds=9.63)
    )
    assert plan.chunks == 3
    return request


class Clients:
    def __init__(self, settings: Settings) -> None:
        self.settings, self.made = settings, {}

    def __call__(self, url: str) -> ComfyClient:
        return self.made.setdefault(url, client_for(self.settings, url))

    def close(self) -> None:
        for c in self.made.values():
            c.close()


def kill_during_chunk(fake, k: int) -> threading.Thread:
    def watch() -> None:
        deadline = time.monotonic() + 60
        while not (fake.prompts_seen == k and fake.running) and time.monotonic() < deadline:
            time.sleep(0.01)
        fake.stop()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_render_moves_to_the_other_server_when_its_server_dies(tmp_path, two):
    a, b = two
    a.step_delay = 0.2
    project = project_with_takes(tmp_path)
    settings = settings_for(a, b)
    clients, messages = Clients(settings), []
    killer = kill_during_chunk(a, 2)
    try:
        started = time.monotonic()
        outcome = run_stage_anywhere(
            clients,
            project,
            video_of(project),
            lambda p: messages.append(p.message),
            CancelToken(),
            settings=settings,
            server=a.url,
        )
        took = time.monotonic() - started
    finally:
        killer.join(5)
        clients.close()
    assert kinds(a) == ["chunk", "chunk"]  # chunk 1 done, chunk 2 in progress when it died
    # b renders only what is missing: chunk 2 again, chunk 3, the assembly; chunk 1's latent
    # went up to b's input folder first
    assert kinds(b) == ["chunk", "chunk", "assembly"]
    assert any(name.endswith("-chunk01.latent") for name in b.uploads), sorted(b.uploads)
    assert outcome.take.info["server"] == b.url and outcome.take.settings["chunks"] == 3
    warning = next(m for m in messages if "Continuing on" in m)
    assert "went away and did not come back within 1 s" in warning
    assert "Continuing on Second PC (its finished chunk is kept)" in warning
    ledger = Ledger(project.root)
    states = {(j.server, j.chunk): j.state for j in ledger.data.jobs}
    assert states[(a.url, 2)] == "moved" and ledger.unfinished() == []
    assert took > 1.0  # the re-attach window was waited out first


def test_a_server_without_the_model_is_skipped_and_pinned_stays(tmp_path, two):
    a, b = two
    a.object_info = recorded_object_info("0.25")  # the recording: no model files at all
    project = project_with_takes(tmp_path)
    settings = settings_for(a, b)
    request = video_of(project)
    clients = Clients(settings)
    try:
        healths = check_all(settings, ["video"], {"video": request.workflow})
        assert pick_server(healths, "video", request.workflow.name).url == b.url
        outcome = run_stage_anywhere(
            clients,
            project,
            request,
            lambda p: None,
            CancelToken(),
            settings=settings,
            server=a.url,
        )
        assert outcome.take.info["server"] == b.url and a.prompts_seen == 0
        pinned = settings_for(a, b, stage_servers={"video": a.url})
        with pytest.raises(Exception) as info:
            run_stage_anywhere(
                clients,
                project,
                request,
                lambda p: None,
                CancelToken(),
                settings=pinned,
                server=a.url,
            )
        assert "cannot run" in str(info.value) and a.prompts_seen == 0
    finally:
        clients.close()


def test_no_server_left_says_the_first_servers_error(tmp_path, two, dead_url):
    a, b = two
    b.stop()
    project = project_with_takes(tmp_path)
    settings = Settings(
        comfyui_url=dead_url,
        servers=[ServerEntry(url=b.url)],
        gpu_handoff=False,
        reattach_window_s=1.0,
    )
    clients = Clients(settings)
    try:
        with pytest.raises(ServerUnavailable) as info:
            run_stage_anywhere(
                clients,
                project,
                video_of(project),
                lambda p: None,
                CancelToken(),
                settings=settings,
                server=dead_url,
            )
        assert dead_url.split("://")[1] in info.value.message
    finally:
        clients.close()
