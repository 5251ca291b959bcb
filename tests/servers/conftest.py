"""The media, address and window fixtures the stage tests use, for the several-servers tests."""

from tests.fakes.server_fixtures import ollama, servers  # noqa: F401
from tests.image.conftest import make_window, no_modal_questions  # noqa: F401
from tests.voice_video.conftest import dead_url, mp4_dir, mp4_with_sound  # noqa: F401
