"""Atomic writes, the background writer and the project store: nothing half-written, nothing lost."""

from __future__ import annotations

import errno

import pytest

from vidgen_desktop.core import atomic
from vidgen_desktop.core.atomic import BackgroundWriter, write_text_atomic
from vidgen_desktop.core.errors import StorageError
from vidgen_desktop.core.safe_names import safe_join, sanitize_filename
from vidgen_desktop.core.settings import Settings, load_settings, save_settings


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.json"
    write_text_atomic(target, "one")
    write_text_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_full_disk_keeps_old_file_and_says_disk_full(tmp_path, monkeypatch):
    target = tmp_path / "a.json"
    write_text_atomic(target, "old")

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", no_space)
    with pytest.raises(StorageError) as err:
        write_text_atomic(target, "new")
    assert "disk is full" in err.value.message
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_background_writer_reports_failures_and_writes_after_close(tmp_path, monkeypatch):
    errors = []
    writer = BackgroundWriter(on_error=lambda path, exc: errors.append((path.name, exc.message)))
    blocked = tmp_path / "file"
    blocked.write_text("x")
    writer.write_text(blocked / "child.json", "data")  # parent is a file: cannot be written
    writer.flush()
    assert errors and errors[0][0] == "child.json"
    writer.close()
    late = tmp_path / "late.json"
    writer.write_text(late, "still saved")
    assert late.read_text() == "still saved"


def test_settings_roundtrip_and_broken_file_is_kept_aside(tmp_path):
    path = tmp_path / "settings.json"
    s = Settings()
    s.llm.model = "qwen3:4b"
    save_settings(path, s)
    assert load_settings(path).llm.model == "qwen3:4b"
    path.write_text("{not json")
    assert load_settings(path) == Settings()
    assert (tmp_path / "settings.broken.json").read_text() == "{not json"


def test_ollama_host_env_overrides_the_setting(monkeypatch):
    s = Settings(ollama_url="http://10.0.0.5:11434")
    monkeypatch.setenv("OLLAMA_HOST", "gpu-box:1234")
    assert s.effective_ollama_url() == "http://gpu-box:1234"
    monkeypatch.setenv("OLLAMA_HOST", "gpu-box")
    assert s.effective_ollama_url() == "http://gpu-box:11434"
    monkeypatch.delenv("OLLAMA_HOST")
    assert s.effective_ollama_url() == "http://10.0.0.5:11434"


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        "C:\\Windows\\evil.png",
        "a\u202egnp.exe",
        "CON.png",
        "ok/../../x.png",
        "\x00null.png",
        "ｆｕｌｌ／ｗｉｄｔｈ.png",
    ],
)
def test_server_names_never_escape_the_project(tmp_path, name):
    root = tmp_path / "proj"
    root.mkdir()
    clean = sanitize_filename(name)
    assert "/" not in clean and "\\" not in clean and clean not in ("", ".", "..")
    target = safe_join(root, "image", name)
    assert root.resolve() in target.parents


def _write_under_umask(path, umask: int) -> int:
    import os
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from vidgen_desktop.core.atomic import write_text_atomic;"
        "write_text_atomic(Path(sys.argv[1]), 'x')"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, preexec_fn=lambda: os.umask(umask)
    )
    return path.stat().st_mode & 0o777


def test_atomic_writes_respect_the_umask(tmp_path):
    """mkstemp makes 0600 files: takes and project.json must get what open() would give."""
    assert _write_under_umask(tmp_path / "a.json", 0o022) == 0o644
    assert _write_under_umask(tmp_path / "b.json", 0o027) == 0o640
    assert _write_under_umask(tmp_path / "c.json", 0o077) == 0o600


def test_atomic_rewrite_keeps_the_files_own_mode(tmp_path):
    from vidgen_desktop.core.atomic import write_text_atomic

    path = tmp_path / "project.json"
    path.write_text("old")
    path.chmod(0o660)
    write_text_atomic(path, "new")
    assert path.read_text() == "new" and path.stat().st_mode & 0o777 == 0o660


def test_download_progress_under_a_megabyte_reads_in_kilobytes():
    from vidgen_desktop.core.progress import format_transfer

    assert format_transfer(40_000, 80_044) == "40 of 80 KB"
    assert format_transfer(80_044, 80_044) == "80 of 80 KB"
    assert format_transfer(3_500_000, 200_000_000) == "4 of 200 MB"
    assert "0 of 0" not in format_transfer(100, 900)
