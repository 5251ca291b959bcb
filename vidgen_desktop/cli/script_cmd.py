"""`vidgen script`: topic → scene JSON on stdout, headless, through the same core as the GUI.

Progress goes to stderr so `vidgen script --topic ... > scene.json` stays clean. Failures are
typed errors, which cli.main turns into exit codes (3 unreachable, 5 model missing, 6 bad reply…).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vidgen_desktop.cli.stage_common import (
    StderrProgress,
    add_common_options,
    cancellable,
    settings_from,
)
from vidgen_desktop.core.atomic import write_text_atomic
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.scene_parse import InvalidSceneReply
from vidgen_desktop.core.template import load_template
from vidgen_desktop.paths import user_paths
from vidgen_desktop.pipeline.script_job import ScriptInputs, options_from, write_scene


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


def run(args: argparse.Namespace) -> int:
    paths = user_paths()
    settings = settings_from(args)
    token = CancelToken()
    template = load_template(args.template) if args.template else None
    options = options_from(
        settings,
        num_ctx=args.num_ctx,
        temperature=args.temperature,
        num_predict=args.max_tokens,
        seed=args.seed,
    )
    report = StderrProgress(args.quiet)
    inputs = ScriptInputs(args.topic, args.model or "", options, template)
    try:
        # a cancellable thread: Ctrl+C closes the stream at once
        outcome = cancellable(
            "script", lambda: write_scene(settings, inputs, report, token, paths.config_dir), token
        )
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
    report.say(
        f"done: {stats.eval_count} tokens{rate}, prompt {stats.prompt_eval_count} tokens,"
        f" {outcome.attempts} attempt(s)"
    )
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return 0
