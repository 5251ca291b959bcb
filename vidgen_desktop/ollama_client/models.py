"""What the Ollama service hands upward: small pydantic values, independent of the client's types."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ModelInfo(BaseModel):
    """An installed model (`/api/tags`), with what the model picker shows."""

    name: str
    size_bytes: int = 0
    parameter_size: str = ""
    quantization: str = ""
    family: str = ""

    def label(self) -> str:
        parts = [p for p in (self.parameter_size, f"{self.size_bytes / 1024**3:.1f} GB") if p]
        if self.quantization:
            parts.append(self.quantization)
        return f"{self.name}  ({' · '.join(parts)})"


class LoadedModel(BaseModel):
    """A model held in memory (`/api/ps`): `size_vram` is the part on the GPU."""

    name: str
    size_bytes: int = 0
    size_vram: int = 0
    context_length: int | None = None


class ServerStatus(BaseModel):
    """One poll of the server for the status bar: reachable or not, version, loaded models."""

    url: str
    reachable: bool
    version: str = ""
    loaded: list[LoadedModel] = Field(default_factory=list)
    error: str = ""


class GenerationOptions(BaseModel):
    """The user's knobs, sent as Ollama `options` (seed only when set)."""

    num_ctx: int = Field(default=4096, ge=256)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    num_predict: int = Field(default=1024, ge=1)
    seed: int | None = None

    def as_options(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {
            "num_ctx": self.num_ctx,
            "temperature": self.temperature,
            "num_predict": self.num_predict,
        }
        if self.seed is not None:
            out["seed"] = self.seed
        return out


class ChatStats(BaseModel):
    """Counters from the final chunk (all durations in ns, as Ollama sends them)."""

    done_reason: str | None = None
    prompt_eval_count: int = 0
    eval_count: int = 0
    eval_duration_ns: int = 0
    total_duration_ns: int = 0
    load_duration_ns: int = 0

    @property
    def tokens_per_s(self) -> float | None:
        if self.eval_count and self.eval_duration_ns:
            return self.eval_count / self.eval_duration_ns * 1e9
        return None


class ChatResult(BaseModel):
    text: str
    stats: ChatStats
    #: wall time of the request as we saw it
    elapsed_s: float = 0.0
    #: chunks that carried text (a stand-in for tokens while streaming)
    chunks: int = 0


def context_warnings(stats: ChatStats, options: GenerationOptions) -> list[str]:
    """Say when the prompt may have been cut or the reply stopped at max tokens."""
    warnings = []
    if stats.done_reason == "length":
        warnings.append(
            f"The reply stopped at the max tokens limit ({options.num_predict}): raise max tokens."
        )
    if stats.prompt_eval_count and stats.prompt_eval_count >= 0.95 * options.num_ctx:
        warnings.append(
            f"The prompt used {stats.prompt_eval_count} of {options.num_ctx} context tokens and may"
            " have been cut: raise the context size (num_ctx)."
        )
    return warnings


class PullProgress(BaseModel):
    """One line of `/api/pull`'s stream: a status, and for a layer its digest and bytes."""

    status: str = ""
    digest: str = ""
    completed: int = 0
    total: int = 0
    speed_bps: float = 0.0

    @property
    def fraction(self) -> float | None:
        return self.completed / self.total if self.total else None
