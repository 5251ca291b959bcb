"""The batch list (txt, JSONL, CSV) and its record: folders named from topics, the same list
continued, another list started afresh, and concurrent updates that always leave the file as
the record is."""

from __future__ import annotations

import json
import threading

import pytest

from vidgen_desktop.core.errors import InvalidInput
from vidgen_desktop.pipeline.batch import BatchItem, BatchStore, folder_for, read_items


def test_the_three_list_formats(tmp_path):
    txt = tmp_path / "t.txt"
    txt.write_text("# my topics\nA lighthouse\n\n  The sea at night  \n", encoding="utf-8")
    assert [i.topic for i in read_items(txt)] == ["A lighthouse", "The sea at night"]
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text('{"topic": "x", "image_size": "512x512"}\n\n{"topic": "y"}\n', "utf-8")
    assert [(i.topic, i.options) for i in read_items(jsonl)] == [
        ("x", {"image_size": "512x512"}),
        ("y", {}),
    ]
    csv = tmp_path / "t.csv"
    csv.write_text("topic,image_steps\nx,4\ny,\n", encoding="utf-8")
    assert [(i.topic, i.options) for i in read_items(csv)] == [
        ("x", {"image_steps": "4"}),
        ("y", {}),
    ]


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("bad.jsonl", '{"topic": "x"}\nnot json\n', "line 2"),
        ("bad.csv", "title\nx\n", "'topic' column"),
        ("empty.txt", "# nothing\n\n", "holds no topics"),
    ],
)
def test_a_bad_list_says_where(tmp_path, name, text, why):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        read_items(path)
    assert why in info.value.message


def test_folders_are_readable_sortable_and_safe():
    assert (
        folder_for(3, "A lighthouse keeper's last night!") == "03-a-lighthouse-keeper-s-last-night"
    )
    assert folder_for(12, "../../etc") == "12-etc"
    assert folder_for(1, "日本語") == "01-topic"


def test_the_same_list_continues_and_another_starts_afresh(tmp_path):
    items = [BatchItem(topic="a"), BatchItem(topic="b")]
    store = BatchStore(tmp_path)
    record = store.open(items, "list.txt", None)
    store.update(record.items[0], status="done")
    store.update(record.items[1], status="running")
    again = BatchStore(tmp_path).open(items, "list.txt", None)
    assert [s.status for s in again.items] == ["done", "waiting"]  # the running one goes again
    other = BatchStore(tmp_path).open([BatchItem(topic="c")], "other.txt", None)
    assert [(s.topic, s.status) for s in other.items] == [("c", "waiting")]


def test_concurrent_updates_leave_the_file_as_the_record(tmp_path):
    items = [BatchItem(topic=f"t{n}") for n in range(8)]
    store = BatchStore(tmp_path)
    record = store.open(items, "l.txt", None)

    def churn(state):
        for stage in ("script", "voice", "image", "video"):
            store.update(state, status="running", stage=stage)
        store.update(state, status="done")

    threads = [threading.Thread(target=churn, args=(s,)) for s in record.items]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    on_disk = json.loads((tmp_path / "batch.json").read_text(encoding="utf-8"))
    assert [i["status"] for i in on_disk["items"]] == ["done"] * 8
