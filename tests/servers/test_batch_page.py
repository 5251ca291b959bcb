"""The Batch page through the real window, over two fake ComfyUI servers and a fake Ollama on
real sockets: topics typed in run across both servers, one failing topic does not stop the
others and the summary says where and why; a batch stopped (and the window closed) is offered
again on the next start and continues without making finished topics again."""

from __future__ import annotations

import json

import pytest

from tests.image.conftest import click
from tests.voice_video.conftest import queued

TOPICS = ["why the sea is salty", "how bees dance", "the first lighthouse", "night trains"]


@pytest.fixture
def two(servers):
    return servers(2)


def open_page(make_window, a, b, ollama, **settings):
    window, _panel = make_window(
        a.url,
        ollama_url=ollama.url,
        servers=[{"name": "Second PC", "url": b.url}],
        **settings,
    )
    return window, window.open_batch()


def column(page, name: str) -> list[str]:
    from tests.servers.test_servers_window import COLUMNS_OF

    col = COLUMNS_OF(page.table)[name]
    return [page.table.item(r, col).text() for r in range(page.table.rowCount())]


def test_typed_topics_run_over_both_servers_and_one_failure_is_summed_up(
    qtbot, make_window, two, ollama, tmp_path
):
    a, b = two
    b.oom_on_prompt = 2  # b's second prompt runs out of memory: that topic fails
    window, page = open_page(make_window, a, b, ollama)
    assert not page.start_button.isEnabled() and "Type a topic" in page.start_button.toolTip()
    page.topics.setPlainText("\n".join(TOPICS))
    page.folder.setText(str(tmp_path / "batch"))
    page.until.setCurrentIndex(page.until.findData("image"))
    with qtbot.waitSignal(page.runner.done, timeout=60000):
        click(qtbot, page.start_button)
        assert page.stop_button.isEnabled() and not page.topics.isEnabled()
    states = column(page, "State")
    assert states.count("✓ done") == 3 and states.count("✗ failed") == 1, states
    failed = states.index("✗ failed")
    assert column(page, "Stage")[failed] in ("voice", "image")
    assert "memory" in column(page, "Why")[failed]
    assert set(column(page, "Server")) == {a.url.split("://")[1], "Second PC"}
    text = page.status.text()
    assert text.startswith("3 of 4 done in ") and f"1 failed — #{failed + 1} at " in text
    record = json.loads((tmp_path / "batch" / "batch.json").read_text(encoding="utf-8"))
    assert [i["status"] for i in record["items"]].count("done") == 3
    assert len(queued(a)) >= 2 and len(queued(b)) >= 2  # both servers worked
    # a double-click opens that topic's project in the main window, with its still
    page.table.cellDoubleClicked.emit(0, 1)
    first = tmp_path / "batch" / record["items"][0]["project"]
    qtbot.waitUntil(lambda: window.context.project.root == first, timeout=10000)
    assert window.context.project.chosen_take("image") is not None


def test_a_stopped_batch_is_offered_at_the_next_start_and_continues(
    qtbot, make_window, two, ollama, tmp_path
):
    a, b = two
    a.step_delay = b.step_delay = 0.3
    root = tmp_path / "batch"
    window, page = open_page(make_window, a, b, ollama)
    page.topics.setPlainText("\n".join(TOPICS))
    page.folder.setText(str(root))
    page.until.setCurrentIndex(page.until.findData("voice"))
    click(qtbot, page.start_button)
    qtbot.waitUntil(lambda: "✓ done" in column(page, "State"), timeout=60000)
    with qtbot.waitSignal(page.runner.done, timeout=30000):
        click(qtbot, page.stop_button)
    assert page.banner.isVisible() and "stopped with" in page.banner.message.text()
    done_before = column(page, "State").count("✓ done")
    assert done_before < len(TOPICS)
    sent_before = len(queued(a)) + len(queued(b))
    window.close()

    # the next start: the page opens by itself and offers to continue
    window2, _ = make_window(
        a.url,
        ollama_url=ollama.url,
        servers=[{"name": "Second PC", "url": b.url}],
        stage_values={"batch.last_root": str(root)},
    )
    qtbot.waitUntil(lambda: getattr(window2, "batch_page", None) is not None, timeout=10000)
    page2 = window2.batch_page
    qtbot.waitUntil(lambda: page2.banner.isVisible(), timeout=10000)
    assert f"stopped with {len(TOPICS) - done_before} of {len(TOPICS)}" in (
        page2.banner.message.text()
    )
    with qtbot.waitSignal(page2.runner.done, timeout=60000):
        page2.banner.action_button.click()
    assert column(page2, "State") == ["✓ done"] * len(TOPICS)
    # the finished topics were not made again: only the unfinished ones sent new voice jobs
    sent_after = len(queued(a)) + len(queued(b))
    assert sent_after - sent_before <= len(TOPICS) - done_before
    page2.close()
