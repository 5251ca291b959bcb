"""The prompt template that turns a topic into the scene request.

The user's template (from the design article) ships as `resources/prompt_template.txt`; a user may
keep an edited copy (`prompt_template.txt` in the config folder). Placeholders are `{name}`; only
known names are replaced, so JSON braces in a template stay untouched. The tone is part of the
template text on purpose: it is not a wizard field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vidgen_desktop.core.errors import InvalidInput

TOPIC = "topic"
#: every placeholder the renderer fills; `topic` is mandatory
KNOWN_PLACEHOLDERS = frozenset({TOPIC})
TEMPLATE_FILE = "prompt_template.txt"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class PromptTemplate:
    text: str
    source: str = "built-in"

    def __post_init__(self) -> None:
        names = set(_PLACEHOLDER.findall(self.text))
        if TOPIC not in names:
            raise InvalidInput(
                f"The prompt template ({self.source}) has no {{{TOPIC}}} placeholder.",
                hint=f"Put {{{TOPIC}}} where the topic should go, e.g. a line 'Topic: {{{TOPIC}}}'.",
            )
        unknown = sorted(names - KNOWN_PLACEHOLDERS)
        if unknown:
            raise InvalidInput(
                f"The prompt template ({self.source}) has unknown placeholders: "
                + ", ".join("{" + n + "}" for n in unknown),
                hint=f"Only {{{TOPIC}}} is filled in; write other braces as plain text.",
            )

    def render(self, topic: str) -> str:
        topic = " ".join(topic.split())
        if not topic:
            raise InvalidInput(
                "Type a topic first.", hint="For example: 'a lighthouse keeper's last night'."
            )
        values = {TOPIC: topic}
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.text)


def load_template(path: Path) -> PromptTemplate:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"Cannot read the prompt template {path}.", detail=str(exc)) from exc
    return PromptTemplate(text, source=str(path))


def default_template(config_dir: Path | None = None) -> PromptTemplate:
    """The user's own copy when one exists in the config folder, else the shipped template."""
    if config_dir is not None:
        custom = Path(config_dir) / TEMPLATE_FILE
        if custom.is_file():
            return load_template(custom)
    from vidgen_desktop.resources import resource

    return load_template(resource(TEMPLATE_FILE))
