"""Downloads of model files from a local server with Range support: complete and checked, cut
mid-file and continued, paused and resumed by a new downloader (an app restart), a wrong
checksum refused and deleted, a disk too small (checked first) or full (while writing)."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from tests.fakes.file_server import FileServer
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, ServerError
from vidgen_desktop.modelfiles.download import (
    ChecksumMismatch,
    DiskFull,
    Downloader,
    mirrored,
    partial_path,
    target_in,
)

DATA = os.urandom(3 * 1024 * 1024 + 12345)
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def hub():
    server = FileServer()
    yield server
    server.stop()


def run(downloader: Downloader, token: CancelToken | None = None) -> list:
    seen: list = []
    downloader.run(token or CancelToken(), seen.append)
    return seen


def test_a_download_lands_complete_under_its_name_checked_against_the_hub(hub, tmp_path):
    hub.add("/m/model.safetensors", DATA)
    dest = tmp_path / "vae" / "model.safetensors"
    seen = run(Downloader(f"{hub.url}/m/model.safetensors", dest))
    assert dest.read_bytes() == DATA
    assert not partial_path(dest).exists()
    assert [t.phase for t in seen][-2:] == ["verifying", "done"]
    assert seen[-1].done == seen[-1].total == len(DATA)


def test_a_connection_cut_mid_file_continues_from_where_it_stopped(hub, tmp_path):
    served = hub.add("/f.bin", DATA, cut_after=1024 * 1024)
    dest = tmp_path / "f.bin"
    run(Downloader(f"{hub.url}/f.bin", dest, sha256=SHA))
    assert dest.read_bytes() == DATA
    assert served.ranges_seen[0] == ""
    assert served.ranges_seen[1].startswith("bytes=") and served.ranges_seen[1] != "bytes=0-"
    assert int(served.ranges_seen[1][6:-1]) >= 1024 * 1024 - 64 * 1024


def test_a_paused_download_is_resumed_by_a_new_downloader_after_a_restart(hub, tmp_path):
    served = hub.add("/big.bin", DATA)
    dest = tmp_path / "big.bin"
    token = CancelToken()

    def pause_early(t):
        if t.phase == "downloading" and t.done > 0:
            token.cancel()

    first = Downloader(f"{hub.url}/big.bin", dest)
    first.timeout_s = 5
    with pytest.raises(Cancelled):
        first.run(token, pause_early)
    kept = partial_path(dest).stat().st_size
    assert 0 < kept < len(DATA) and not dest.exists()
    # a new process: nothing but the partial file on disk
    seen = run(Downloader(f"{hub.url}/big.bin", dest))
    assert dest.read_bytes() == DATA
    assert served.ranges_seen[-1] == f"bytes={kept}-"
    assert seen[0].phase == "checking"


def test_a_wrong_checksum_is_refused_and_the_file_deleted(hub, tmp_path):
    hub.add("/x.safetensors", DATA)
    dest = tmp_path / "x.safetensors"
    with pytest.raises(ChecksumMismatch) as info:
        run(Downloader(f"{hub.url}/x.safetensors", dest, sha256="0" * 64))
    assert "is not the published file" in info.value.message
    assert not dest.exists() and not partial_path(dest).exists()


def test_a_file_bigger_than_the_free_space_is_refused_before_anything_is_written(hub, tmp_path):
    hub.add("/huge.bin", DATA, claimed_size=10**17, sha256_header=False)
    dest = tmp_path / "huge.bin"
    with pytest.raises(DiskFull) as info:
        run(Downloader(f"{hub.url}/huge.bin", dest))
    assert "Not enough disk space" in info.value.message
    assert not partial_path(dest).exists() or partial_path(dest).stat().st_size == 0


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_disk_that_fills_while_writing_keeps_what_arrived_and_says_so(hub, tmp_path):
    hub.add("/f.bin", DATA)
    dest = tmp_path / "f.bin"
    partial_path(dest).symlink_to("/dev/full")  # every write: ENOSPC
    with pytest.raises(DiskFull) as info:
        run(Downloader(f"{hub.url}/f.bin", dest))
    assert "filled up" in info.value.message and not dest.exists()


def test_a_server_that_ignores_range_is_downloaded_again_from_the_start(hub, tmp_path):
    hub.add("/f.bin", DATA, ignore_range=True)
    dest = tmp_path / "f.bin"
    partial_path(dest).write_bytes(b"garbage from another file")
    run(Downloader(f"{hub.url}/f.bin", dest, sha256=SHA))
    assert dest.read_bytes() == DATA


def test_a_web_page_instead_of_the_file_is_refused(hub, tmp_path):
    hub.add("/repo", b"", html=True)
    dest = tmp_path / "ace.safetensors"
    with pytest.raises(ServerError) as info:
        run(Downloader(f"{hub.url}/repo", dest))
    assert "web page" in info.value.message
    assert not dest.exists() and not partial_path(dest).exists()


def test_a_missing_file_is_a_readable_refusal(hub, tmp_path):
    with pytest.raises(ServerError) as info:
        run(Downloader(f"{hub.url}/nothing.bin", tmp_path / "n.bin"))
    assert "HTTP 404" in info.value.message


def test_cancel_from_another_thread_pauses_a_slow_download(hub, tmp_path):
    hub.add("/f.bin", DATA)
    token = CancelToken()
    threading.Timer(0.0, token.cancel).start()
    with pytest.raises(Cancelled):
        Downloader(f"{hub.url}/f.bin", tmp_path / "f.bin").run(token, lambda t: None)


def test_the_mirror_and_the_target_folder():
    url = "https://huggingface.co/Comfy-Org/x/resolve/main/vae/a.safetensors"
    assert mirrored(url, "https://hf-mirror.com/") == (
        "https://hf-mirror.com/Comfy-Org/x/resolve/main/vae/a.safetensors"
    )
    assert mirrored(url, "") == url
    assert mirrored("https://example.org/a", "https://hf-mirror.com") == "https://example.org/a"


def test_a_server_named_file_stays_inside_the_folder(tmp_path):
    assert target_in(tmp_path, "../../etc/passwd") == tmp_path / "etc" / "passwd"
    assert target_in(tmp_path, "wan/sub.safetensors") == tmp_path / "wan" / "sub.safetensors"
