"""The media and address fixtures the stage tests use, for the several-servers tests too."""

from tests.voice_video.conftest import dead_url, mp4_dir, mp4_with_sound  # noqa: F401
