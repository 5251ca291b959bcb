"""A process writing a project is killed (SIGKILL) at random points, many times: the project
always opens, and no edit that was on disk before the kill is lost (at most the edits still
waiting for their write, one debounce interval's worth)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.shared_data import REPO_ROOT
from vidgen_desktop.core.project import Project

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kill_after=st.floats(min_value=0.0, max_value=1.2), seed=st.integers(0, 10_000))
def test_the_project_survives_a_kill_at_any_moment(tmp_path_factory, kill_after, seed):
    root = tmp_path_factory.mktemp("killed") / "project"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.projects.editing_child", str(root), "400", str(seed)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    time.sleep(kill_after)
    child.send_signal(signal.SIGKILL)
    out, _ = child.communicate(timeout=30)
    durable = [int(line.split()[1]) for line in out.splitlines() if line.startswith("durable")]
    project = Project.open(root)  # never raises: the file or a backup is always whole
    topic = project.data.topic
    seen = int(topic.split()[1]) if topic.startswith("edit ") else -1
    if durable:
        assert seen >= max(durable), (topic, durable[-3:])
    if project.recovery is not None:  # a damaged file is kept for the user, never deleted
        assert project.recovery.damaged.exists()
