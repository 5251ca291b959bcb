"""The batch tests' servers (tests.fakes.server_fixtures)."""

from tests.fakes.server_fixtures import ollama, servers  # noqa: F401
