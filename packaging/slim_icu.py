"""Rebuild PySide6's bundled ICU data library (Linux) without the parts Qt never reads.

Why: libicudata is the largest file in the frozen app (31 MB of 170). Qt formats numbers, dates
and language names from its own CLDR tables; from ICU it needs the core tables (case mapping,
normalisation, collation, time-zone rules, converters). Display-name trees (languages, regions,
currencies, units, zone names), transliteration, spelled-out numbers, the CJK/South-East Asian
word-break dictionaries and legacy-charset converters are never loaded by this app. Dropping them
saves about 23 MB.

How: the library exports one symbol, `icudt<N>_dat`, holding an ICU "common data" package: a
header, a sorted table of contents (name offset, data offset) and the items. We write a package
with the kept items and assemble a new shared object around it with `gcc` (`.incbin`). If gcc or
the expected layout is missing we leave the stock library alone (bigger, never broken). The frozen
app's `--self-test` exercises ICU (collation, case mapping, time zones) after every build.
"""

from __future__ import annotations

import logging
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

DROP_TREES = ("lang", "region", "curr", "unit", "zone", "translit", "rbnf")
# brkitr dictionaries (cjdict, khmer, lao, burmese, thai); legacy-charset converter tables (Qt
# decodes UTF-8/16/32 and Latin-1 itself, the app reads nothing else); Unicode character names.
DROP_SUFFIXES = (".dict", ".cnv", "/unames.icu")
ALIGN = 16


def _rodata(elf: bytes) -> tuple[int, int]:
    """File offset and size of the .rodata section of a 64-bit little-endian ELF file."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    (shoff,) = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = sections[shstrndx][4]
    for name_off, _type, _flags, _addr, offset, size, *_rest in sections:
        end = elf.index(b"\0", strtab_off + name_off)
        if elf[strtab_off + name_off : end] == b".rodata":
            return offset, size
    raise ValueError("no .rodata section")


def _items(package: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    (header_size,) = struct.unpack_from("<H", package, 0)
    if package[2:4] != b"\xda\x27" or package[12:16] != b"CmnD":
        raise ValueError("not an ICU common data package")
    toc = package[header_size:]
    (count,) = struct.unpack_from("<I", toc, 0)
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    ends = sorted(offset for _name, offset in entries) + [len(toc)]
    next_offset = {start: ends[i + 1] for i, start in enumerate(ends[:-1])}
    items = []
    for name_offset, data_offset in entries:
        name = toc[name_offset : toc.index(b"\0", name_offset)].decode("ascii")
        items.append((name, toc[data_offset : next_offset[data_offset]]))
    return package[:header_size], items


def keep_item(name: str) -> bool:
    parts = name.split("/")  # icudt73l/zone/de.res
    tree = parts[1] if len(parts) > 2 else ""
    return tree not in DROP_TREES and not name.endswith(DROP_SUFFIXES)


def _pad(blob: bytes) -> bytes:
    return blob + b"\0" * (-len(blob) % ALIGN)


def build_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    names = b""
    name_offsets = []
    toc_head = 4 + 8 * len(items)
    for name, _data in items:
        name_offsets.append(toc_head + len(names))
        names += name.encode("ascii") + b"\0"
    body_start = len(_pad(b"\0" * (toc_head + len(names))))
    # header_size is a multiple of 16, so TOC-relative alignment is absolute alignment too.
    data, data_offsets = b"", []
    for _name, blob in items:
        data_offsets.append(body_start + len(data))
        data += _pad(blob)
    toc = struct.pack("<I", len(items))
    toc += b"".join(
        struct.pack("<II", n, d) for n, d in zip(name_offsets, data_offsets, strict=True)
    )
    return header + _pad(toc + names) + data


def slim(library: Path) -> tuple[int, int] | None:
    """Replace `library` with a slimmed copy; return (old, new) sizes, or None if skipped."""
    gcc = shutil.which("gcc")
    match = re.match(r"libicudata\.so\.(\d+)$", library.name)
    if not gcc or not match or not library.is_file():
        log.warning("ICU data not slimmed (gcc or %s missing)", library)
        return None
    elf = library.read_bytes()
    offset, size = _rodata(elf)
    header, items = _items(elf[offset : offset + size])
    kept = [(n, d) for n, d in items if keep_item(n)]
    package = build_package(header, kept)
    symbol = f"icudt{match.group(1)}_dat"
    with tempfile.TemporaryDirectory() as tmp:
        dat = Path(tmp) / "icu.dat"
        dat.write_bytes(package)
        asm = Path(tmp) / "icu.S"
        asm.write_text(
            f".section .rodata\n.balign 16\n.globl {symbol}\n.type {symbol}, @object\n"
            f'{symbol}:\n.incbin "{dat}"\n.size {symbol}, .-{symbol}\n'
            '.section .note.GNU-stack,"",@progbits\n'
        )
        out = Path(tmp) / library.name
        subprocess.run(
            [gcc, "-shared", "-nostdlib", f"-Wl,-soname,{library.name}", "-o", str(out), str(asm)],
            check=True,
        )
        shutil.copyfile(out, library)
    return len(elf), library.stat().st_size
