"""The Script stage as one job: hand the GPU over from ComfyUI, then let Ollama write the scene
(or one field of it). Written once for the Script panel, `vidgen script` and `vidgen run`.

Blocking and Qt-free: the panel runs it on a TaskRunner, the CLI in its own thread. An
unconfirmed hand-off reports itself as a "warning" and the generation goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.progress import ProgressCallback
from vidgen_desktop.core.settings import SUGGESTED_MODEL, Settings
from vidgen_desktop.core.template import PromptTemplate, default_template
from vidgen_desktop.gpu import handoff
from vidgen_desktop.ollama_client.models import GenerationOptions
from vidgen_desktop.ollama_client.scene_writer import (
    FieldOutcome,
    SceneOutcome,
    generate_scene,
    regenerate_field,
)


@dataclass
class ScriptInputs:
    topic: str
    #: "" = the app's choice (settings), else the first model Ollama has
    model: str
    options: GenerationOptions
    #: None = the user's template in the config folder, else the shipped one
    template: PromptTemplate | None = None


def options_from(settings: Settings, **overrides: Any) -> GenerationOptions:
    """The generation options the settings hold, with this run's overrides (None = keep)."""
    llm = settings.llm
    values: dict[str, Any] = {
        "num_ctx": llm.num_ctx,
        "temperature": llm.temperature,
        "num_predict": llm.num_predict,
        "seed": llm.seed,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return GenerationOptions.model_validate(values)
    except ValueError as exc:
        raise InvalidInput("Invalid generation option.", detail=str(exc)) from exc


def _service(url: str) -> Any:
    # `ollama` + httpx load here, on the worker thread, never on the GUI's start-up path
    from vidgen_desktop.ollama_client.service import OllamaService

    return OllamaService(url)


def pick_model(service: Any, wanted: str, url: str) -> str:
    if wanted:
        return wanted
    installed = service.list_models()
    if not installed:
        raise InvalidInput(
            f"Ollama at {url} has no models.",
            hint=f"Run `ollama pull {SUGGESTED_MODEL}`, or {{model_setting}}.",
        )
    return str(installed[0].name)


def _free_comfy_beside(
    settings: Settings, ollama_url: str, report: ProgressCallback, token: CancelToken
) -> handoff.HandoffResult:
    """Free every ComfyUI on Ollama's machine (the others' memory is not in the way)."""
    servers = [e.url for e in settings.comfy_servers()]
    results = [
        handoff.before_ollama(
            url, enabled=settings.gpu_handoff, report=report, token=token, ollama_url=ollama_url
        )
        for url in servers
    ]
    performed = [r for r in results if r.performed] or results
    first = performed[0]
    return replace(
        first,
        confirmed=all(r.confirmed for r in results),
        elapsed_s=sum(r.elapsed_s for r in results),
    )


def _prepare(
    settings: Settings,
    inputs: ScriptInputs,
    report: ProgressCallback,
    token: CancelToken,
    config_dir: Path | None,
) -> tuple[Any, str, PromptTemplate, float]:
    url = settings.effective_ollama_url()
    hand = _free_comfy_beside(settings, url, report, token)
    service = _service(url)
    model = pick_model(service, inputs.model or settings.llm.model, url)
    template = inputs.template or default_template(config_dir)
    return service, model, template, hand.elapsed_s


def write_scene(
    settings: Settings,
    inputs: ScriptInputs,
    report: ProgressCallback,
    token: CancelToken,
    config_dir: Path | None = None,
) -> SceneOutcome:
    """Hand-off, then the whole scene for the topic (one repair retry inside)."""
    service, model, template, handoff_s = _prepare(settings, inputs, report, token, config_dir)
    outcome = generate_scene(service, template, inputs.topic, model, inputs.options, report, token)
    outcome.model, outcome.handoff_s = model, handoff_s
    return outcome


def rewrite_field(
    settings: Settings,
    inputs: ScriptInputs,
    current: dict[str, dict[str, Any]],
    section: str,
    key: str,
    report: ProgressCallback,
    token: CancelToken,
    config_dir: Path | None = None,
) -> FieldOutcome:
    """Hand-off, then a new value for one field, the others given to the model as context."""
    service, model, template, _ = _prepare(settings, inputs, report, token, config_dir)
    return regenerate_field(
        service, template, inputs.topic, current, section, key, model, inputs.options, report, token
    )
