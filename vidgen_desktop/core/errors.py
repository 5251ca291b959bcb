"""Typed errors: each carries a sentence a user can act on and the technical detail for the log.

Workers and the CLI turn these into banners / exit codes; nothing upstream parses message text.
A hint that says where to change something names the place as `{comfyui_setting}`,
`{ollama_setting}`, `{handoff_setting}` or `{setup_place}`: the window fills in its dialogs, the CLI its
flags, so a headless user is never sent to a dialog they do not have.
"""

from __future__ import annotations

#: how each surface names the places a user changes a server address or the hand-off
SURFACE_WORDS: dict[str, dict[str, str]] = {
    "gui": {
        "comfyui_setting": "the ComfyUI URL in Edit › Settings",
        "ollama_setting": "the Ollama URL in Edit › Settings",
        "handoff_setting": "the GPU hand-off in Edit › Settings",
        "model_setting": "choose one in the Model list",
        "setup_place": "Help › Set-up… downloads model files and picks others",
    },
    "cli": {
        "comfyui_setting": "--comfyui or the settings file",
        "ollama_setting": "--ollama, OLLAMA_HOST or the settings file",
        "handoff_setting": "--no-handoff or the settings file",
        "model_setting": "pass --model",
        "setup_place": "vidgen doctor says what; vidgen download --workflow NAME fetches model files",
    },
}


def for_surface(text: str, surface: str = "gui") -> str:
    """`text` with its {place} names filled in for the window ("gui") or the CLI ("cli")."""
    for key, words in SURFACE_WORDS.get(surface, SURFACE_WORDS["gui"]).items():
        text = text.replace("{" + key + "}", words)
    return text


class VidGenError(Exception):
    """Base of every error we raise on purpose."""

    #: exit code used by the CLI when this error ends a command
    exit_code = 1

    def __init__(self, message: str, *, detail: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint

    def user_text(self, surface: str = "gui") -> str:
        text = f"{self.message}\n{self.hint}".strip() if self.hint else self.message
        return for_surface(text, surface)


class Cancelled(VidGenError):
    """The user asked to stop. Not a failure: UIs return to idle quietly."""

    exit_code = 130

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)


class ServerUnavailable(VidGenError):
    """A server could not be reached at all (not running, wrong URL, firewall)."""

    exit_code = 3


class ServerError(VidGenError):
    """The server answered, but with an error we cannot fix by retrying blindly."""

    exit_code = 4


class ModelNotFound(ServerError):
    exit_code = 5


class InvalidOutput(VidGenError):
    """A model's reply could not be turned into what we need (e.g. scene JSON)."""

    exit_code = 6


class InvalidInput(VidGenError):
    """User-provided input (file, template, setting) is unusable."""

    exit_code = 2


class StorageError(VidGenError):
    """Disk trouble: full disk, no permission, path outside the project."""

    exit_code = 7
