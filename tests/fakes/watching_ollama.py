"""A FakeOllama that notes, at each chat, whether ComfyUI had already been asked to /free.

That is the hand-off order a 12 GB card needs: ComfyUI lets go of its models before Ollama loads.
"""

from __future__ import annotations

from tests.fakes.fake_comfy import FakeComfy
from tests.fakes.fake_ollama import FakeOllama, Reply


class WatchingOllama(FakeOllama):
    def __init__(self) -> None:
        self.comfy: FakeComfy | None = None
        self.free_seen_at_chat: list[bool] = []
        super().__init__()

    def _next_reply(self) -> Reply:
        if self.comfy is not None:
            self.free_seen_at_chat.append("/free" in self.comfy.paths("POST"))
        return super()._next_reply()
