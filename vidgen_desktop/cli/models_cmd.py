"""`vidgen models`: what each model file on the ComfyUI server is (family, variant, precision,
weights, size), read from its header where the folder is on this machine."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vidgen_desktop.cli.stage_common import settings_from
from vidgen_desktop.modelfiles.catalog import MODEL_FOLDERS, catalog_for, user_header_cache


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "models",
        help="list the model files ComfyUI can load and what each one is",
        description="Each file's family, variant, precision, size and weights, read from its "
        "header where the folder is on this machine, else guessed from its name.",
    )
    p.add_argument("--comfyui", metavar="URL", help="ComfyUI URL (default: the settings file)")
    p.add_argument(
        "--folder",
        action="append",
        metavar="F",
        help=f"only this ComfyUI model folder (repeatable; default: {', '.join(MODEL_FOLDERS)})",
    )
    p.add_argument(
        "--models-dir",
        type=Path,
        metavar="DIR",
        help="read ComfyUI's models from this folder on this machine (default: the settings, "
        "else the server's own paths when they are here)",
    )
    p.add_argument("--json", action="store_true", help="one JSON array on stdout")
    p.set_defaults(func=run_models)


def models_dir_of(args: argparse.Namespace, settings) -> Path | None:
    return args.models_dir or settings.models_dir()


def run_models(args: argparse.Namespace) -> int:
    from vidgen_desktop.comfy.client import ComfyClient

    settings = settings_from(args)
    client = ComfyClient(settings.comfyui_url)
    try:
        catalog = catalog_for(
            client,
            models_dir=models_dir_of(args, settings),
            cache=user_header_cache(),
            folders=args.folder or (),
        )
    finally:
        client.close()
    if args.json:
        rows = [f.model_dump() for f in catalog.files]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return 0
    if not catalog.local_dirs:
        print(
            "note: ComfyUI's folders are not on this machine; answers are guessed from names "
            "and metadata (set the models folder with --models-dir or in Settings).",
            file=sys.stderr,
        )
    folder = None
    for f in sorted(catalog.files, key=lambda f: (f.folder, f.file.lower())):
        if f.folder != folder:
            folder = f.folder
            print(f"{folder}/")
        print(f"  {f.file}\n      {f.describe()}")
    if not catalog.files:
        print("no model files found", file=sys.stderr)
    return 0
