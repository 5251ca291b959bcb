"""`vidgen script`: topic → scene JSON on stdout, headless, through the same core as the GUI.

Progress goes to stderr so `vidgen script --topic ... > scene.json` stays clean. Failures are
typed errors, which cli.main turns into exit codes (3 unreachable, 5 model missing, 6 bad reply…).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vidgen_desktop.cli.stage_common import StderrProgress, add_common_options, settings_from
from vidgen_desktop.core.atomic import write_text_atomic
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.core.handoff import before_ollama
from vidgen_desktop.core.scene_parse import InvalidSceneReply
from vidgen_desktop.core.settings import SUGGESTED_MODEL
from vidgen_desktop.core.template import default_template, load_template
from vidgen_desktop.ollama_client.models import GenerationOptions
from vidgen_desktop.ollama_client.scene_writer import generate_scene
from vidgen_desktop.ollama_client.service import OllamaService
from vidgen_desktop.paths import user_paths


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "script",
        help="write a scene (lyrics, tags, image and video prompts) for a topic with Ollama",
        description="Ask Ollama for a scene JSON for TOPIC and print it on stdout.",
    )
    p.add_argument("--topic", required=True, help="what the video is about")
    p.add_argument("--model", help="Ollama model (default: the one chosen in the app)")
    p.add_argument("--out", type=Path, help="also write the scene JSON to this file")
    add_common_options(p, project="none")
    p.add_argument("--template", type=Path, help="prompt template file with a {topic} placeholder")
    p.add_argument("--num-ctx", type=int, help="context size in tokens")
    p.add_argument("--temperature", type=float, help="sampling temperature, 0..2")
    p.add_argument("--max-tokens", type=int, help="most tokens to generate (num_predict)")
    p.add_argument("--seed", type=int, help="fixed seed for repeatable output")
    p.set_defaults(func=run)


def _options(args: argparse.Namespace, defaults: GenerationOptions) -> GenerationOptions:
    values = defaults.model_dump()
    for name, arg in (("num_ctx", "num_ctx"), ("temperature", "temperature"),
                      ("num_predict", "max_tokens"), ("seed", "seed")):
        value = getattr(args, arg)
        if value is not None:
            values[name] = value
    try:
        return GenerationOptions.model_validate(values)
    except ValueError as exc:
        raise InvalidInput("Invalid generation option.", detail=str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    paths = user_paths()
    settings = settings_from(args)
    url = settings.effective_ollama_url()
    template = load_template(args.template) if args.template else default_template(paths.config_dir)
    llm = settings.llm
    options = _options(args, GenerationOptions(
        num_ctx=llm.num_ctx, temperature=llm.temperature, num_predict=llm.num_predict, seed=llm.seed))
    service = OllamaService(url)
    model = args.model or llm.model
    if not model:
        installed = service.list_models()
        if not installed:
            raise InvalidInput(
                f"Ollama at {url} has no models.",
                hint=f"Run `ollama pull {SUGGESTED_MODEL}`, or pass --model.",
            )
        model = installed[0].name
    report = StderrProgress(args.quiet)
    # an unconfirmed hand-off arrives as a warning report, printed by StderrProgress
    before_ollama(settings.comfyui_url, enabled=settings.gpu_handoff, report=report)
    try:
        outcome = generate_scene(service, template, args.topic, model, options, report, CancelToken())
    except InvalidSceneReply as exc:
        print("--- raw reply ---", file=sys.stderr)
        print(exc.raw, file=sys.stderr)
        print("--- field errors ---", file=sys.stderr)
        for err in exc.errors:
            print(f"  {err}", file=sys.stderr)
        for warning in exc.warnings:
            report.warn(warning)
        raise
    for warning in outcome.warnings:
        report.warn(warning)
    text = outcome.scene.model_dump_json(indent=2)
    if args.out:
        write_text_atomic(args.out, text + "\n")
    stats = outcome.stats
    rate = f", {stats.tokens_per_s:.1f} tokens/s" if stats.tokens_per_s else ""
    report.say(f"done: {stats.eval_count} tokens{rate}, prompt {stats.prompt_eval_count} tokens,"
               f" {outcome.attempts} attempt(s)")
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return 0
