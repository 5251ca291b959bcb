"""Fixtures: a fake ComfyUI per test (both recorded versions), a client on it, a project folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.fake_comfy import FakeComfy

#: the sampler graph recorded in v0.25/comfyui_sampler_txt2img.json (KSampler = node 5)
from tests.fakes.fake_comfy_data import load_recorded
from vidgen_desktop.comfy.client import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.progress import Progress
from vidgen_desktop.core.project import Project

SAMPLER_GRAPH = load_recorded("v0.25", "sampler_txt2img")["submit"]["request"]["json"]["prompt"]


@pytest.fixture(params=["0.25", "0.3.64"])
def fake_comfy(request) -> Iterator[FakeComfy]:
    fake = FakeComfy(request.param)
    yield fake
    fake.stop()


@pytest.fixture
def client(fake_comfy: FakeComfy) -> Iterator[ComfyClient]:
    c = ComfyClient(fake_comfy.url, timeout=5.0)
    yield c
    c.close()


@pytest.fixture
def project(tmp_path) -> Project:
    return Project.create(tmp_path / "proj")


@pytest.fixture
def graph() -> dict:
    import copy

    return copy.deepcopy(SAMPLER_GRAPH)


class Reports(list):
    """A `report` callback that keeps every Progress (thread-safe enough: list.append is atomic)."""

    def __call__(self, p: Progress) -> None:
        self.append(p)

    def previews(self) -> list[Progress]:
        return [p for p in self if p.kind == "preview"]


@pytest.fixture
def reports() -> Reports:
    return Reports()


@pytest.fixture
def token() -> CancelToken:
    return CancelToken()
