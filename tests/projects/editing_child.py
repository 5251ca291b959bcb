"""A child process that edits a project the way the window does (changes saved through the
background writer), announcing on stdout each edit known to be on disk. The parent kills it
at a random moment (SIGKILL) and checks that the project still opens with no announced edit lost.

    python -m tests.projects.editing_child PROJECT_DIR EDITS SEED
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from vidgen_desktop.core.atomic import BackgroundWriter
from vidgen_desktop.core.project import Project, Take
from vidgen_desktop.core.scene import Scene


def main() -> int:
    root, edits, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    writer = BackgroundWriter()
    project = Project.create(root, name="killed")
    project.writer = writer
    print("ready", flush=True)
    for i in range(edits):
        kind = rng.choice(("topic", "scene", "inputs", "take"))
        project.data.topic = f"edit {i}"  # every edit also says which one it is
        if kind == "scene":
            project.data.scene = Scene.model_validate(
                {
                    "audio": {
                        "lyrics": f"lyrics {i} " + "la " * rng.randint(1, 400),
                        "tags": ["t"],
                    },
                    "image": {"positive_prompt": f"image {i}", "negative_prompt": "n"},
                    "video": {"positive_prompt": f"video {i}", "negative_prompt": "n"},
                }
            )
        elif kind == "inputs":
            project.data.stage_inputs["voice"] = {"text": "x" * rng.randint(1, 20000), "n": i}
        elif kind == "take":
            project.data.takes.append(Take(stage="image", file=f"image/{i}.png", kind="image"))
        project.save()
        if rng.random() < 0.3:
            writer.flush()  # like a debounce interval ending: this edit is on disk now
            print(f"durable {i}", flush=True)
    writer.flush()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
