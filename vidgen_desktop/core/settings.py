"""User settings: one versioned JSON file in the per-user config dir, written atomically.

The GUI and the CLI read the same file. Server addresses follow one rule everywhere: an explicit
address (a CLI flag) beats the environment (`OLLAMA_HOST`), which beats the settings file.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from vidgen_desktop.core.atomic import write_text_atomic

log = logging.getLogger(__name__)

DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"
DEFAULT_COMFYUI_URL = "http://127.0.0.1:8188"
SUGGESTED_MODEL = "qwen3:4b"


class LlmSettings(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str = ""
    num_ctx: int = Field(default=4096, ge=512, le=262144)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    num_predict: int = Field(default=1024, ge=16, le=32768)
    seed: int | None = None


class ServerEntry(BaseModel):
    """A further ComfyUI server the work can go to (a second PC, a friend's GPU, a rented one)."""

    model_config = ConfigDict(extra="ignore")
    name: str = ""
    url: str
    enabled: bool = True
    #: one "Name: value" header for a server behind a reverse proxy ("" = none)
    auth_header: str = ""

    def label(self) -> str:
        return self.name.strip() or self.url.split("://", 1)[-1]


#: a stage not pinned to a server: each job goes to a healthy server that can run it
AUTOMATIC = ""


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")
    schema_version: int = 1
    ollama_url: str = DEFAULT_OLLAMA_URL
    comfyui_url: str = DEFAULT_COMFYUI_URL
    #: what the main server (comfyui_url) is called in lists ("" = its address)
    comfyui_name: str = ""
    #: the header the main server (comfyui_url) needs behind a reverse proxy ("" = none)
    comfyui_auth: str = ""
    #: more ComfyUI servers, beside the main one
    servers: list[ServerEntry] = Field(default_factory=list)
    #: per stage: the server URL it is pinned to (AUTOMATIC = any server that can run it)
    stage_servers: dict[str, str] = Field(default_factory=dict)
    #: how long a server that went away mid-job is waited for before its work moves elsewhere
    reattach_window_s: float = Field(default=60.0, ge=1.0, le=3600.0)
    llm: LlmSettings = Field(default_factory=LlmSettings)
    #: free GPU memory between Ollama and ComfyUI (off for users with big cards)
    gpu_handoff: bool = True
    #: per stage: path of the workflow file the user picked ("" = the shipped default)
    workflows: dict[str, str] = Field(default_factory=dict)
    #: last project folder opened
    last_project: str = ""
    #: where new projects go ("" = the per-user default, Documents/VidGen Projects)
    projects_dir: str = ""
    #: the last projects opened, newest first (File › Open Recent)
    recent_projects: list[str] = Field(default_factory=list)
    #: stage-specific remembered values (sizes, steps, ...), keyed "stage.name"
    stage_values: dict[str, object] = Field(default_factory=dict)
    #: ComfyUI's folder (or its models/ folder) as seen from this machine, for a server whose
    #: own paths are elsewhere (a mounted share); "" = ask the server
    comfyui_models_dir: str = ""
    #: a mirror of the model hub (e.g. https://hf-mirror.com) for downloads; "" = the hub itself
    download_mirror: str = ""
    #: a ComfyUI this app installed with comfy-cli (its folder; "" = none) and how to run it
    managed_comfyui: str = ""
    managed_port: int = Field(default=8188, ge=1024, le=65535)
    start_managed_on_open: bool = False
    #: the user's model file per slot: server URL -> workflow name -> "node.input" -> file
    model_choices: dict[str, dict[str, dict[str, str]]] = Field(default_factory=dict)
    #: base64 of QMainWindow.saveGeometry()/saveState(); opaque to the core
    window_geometry: str = ""
    window_state: str = ""
    #: an address given for this run only (a CLI flag): never written to the settings file
    _ollama_explicit: str = PrivateAttr(default="")

    def models_dir(self) -> Path | None:
        return Path(self.comfyui_models_dir).expanduser() if self.comfyui_models_dir else None

    def choices_for(self, workflow: str) -> dict[str, str]:
        return dict(self.model_choices.get(self.comfyui_url, {}).get(workflow, {}))

    def choose_model(self, workflow: str, slot: str, file: str | None) -> None:
        """Remember (or, with None, forget) the user's file for one slot on this server."""
        per_server = self.model_choices.setdefault(self.comfyui_url, {})
        per_workflow = per_server.setdefault(workflow, {})
        if file is None:
            per_workflow.pop(slot, None)
        else:
            per_workflow[slot] = file

    def comfy_servers(self, *, enabled_only: bool = True) -> list[ServerEntry]:
        """Every ComfyUI server, the main one first (it cannot be switched off: it is the one
        the single-server parts of the app talk to)."""
        main = ServerEntry(
            name=self.comfyui_name, url=self.comfyui_url, auth_header=self.comfyui_auth
        )
        seen, out = {main.url.rstrip("/")}, [main]
        for entry in self.servers:
            key = entry.url.strip().rstrip("/")
            if key and key not in seen and (entry.enabled or not enabled_only):
                seen.add(key)
                out.append(entry.model_copy(update={"url": key}))
        return out

    def server_label(self, url: str) -> str:
        key = url.rstrip("/")
        for entry in self.comfy_servers(enabled_only=False):
            if entry.url.rstrip("/") == key:
                return entry.label()
        return key.split("://", 1)[-1]

    def auth_headers(self, url: str) -> dict[str, str]:
        """The header a server's entry asks for, as requests and websocket-client take it."""
        key = url.rstrip("/")
        for entry in self.comfy_servers(enabled_only=False):
            if entry.url.rstrip("/") == key:
                return parse_header(entry.auth_header)
        return {}

    def pinned_server(self, stage: str) -> str:
        """The server a stage is pinned to, or AUTOMATIC (also when that server was removed)."""
        url = self.stage_servers.get(stage, AUTOMATIC).rstrip("/")
        known = {e.url.rstrip("/") for e in self.comfy_servers()}
        return url if url in known else AUTOMATIC

    def effective_ollama_url(self) -> str:
        """Explicit (flag) > OLLAMA_HOST > the settings file."""
        if self._ollama_explicit:
            return self._ollama_explicit
        env = os.environ.get("OLLAMA_HOST", "").strip()
        return normalise_ollama_host(env) if env else self.ollama_url

    def with_servers(self, *, ollama: str | None = None, comfyui: str | None = None) -> Settings:
        """A copy for one run whose explicit addresses win over the environment and the file."""
        copy = self.model_copy(deep=True)
        if ollama:
            copy._ollama_explicit = normalise_ollama_host(ollama)
        if comfyui:
            copy.comfyui_url = comfyui.strip().rstrip("/")
        return copy

    def ollama_source(self) -> str:
        """Where the Ollama address comes from, for messages ("--ollama", "OLLAMA_HOST", …)."""
        if self._ollama_explicit:
            return "explicit"
        return "env" if os.environ.get("OLLAMA_HOST", "").strip() else "settings"


def parse_header(text: str) -> dict[str, str]:
    """ "Authorization: Bearer abc" → {"Authorization": "Bearer abc"}; anything else → {}."""
    name, sep, value = text.partition(":")
    if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
        return {}
    return {name.strip(): value.strip()}


def normalise_ollama_host(value: str) -> str:
    # Same rules as the official client: no scheme → http, no port → 11434.
    value = value.strip()
    if "://" not in value:
        value = "http://" + value
    scheme, rest = value.split("://", 1)
    hostport = rest.split("/", 1)[0]
    if ":" not in hostport.rsplit("]", 1)[-1]:
        hostport += ":11434"
    return f"{scheme}://{hostport}"


def load_settings(path: Path) -> Settings:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        log.warning("cannot read settings %s: %s", path, exc)
        return Settings()
    try:
        return Settings.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        # Keep the broken file for the user to inspect; start from defaults.
        backup = path.with_suffix(".broken.json")
        log.warning("settings file %s is invalid (%s); moved to %s", path, exc, backup)
        try:
            path.replace(backup)
        except OSError:
            pass
        return Settings()


def save_settings(path: Path, settings: Settings) -> None:
    write_text_atomic(path, settings.model_dump_json(indent=2))
