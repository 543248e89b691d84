"""The QR code encodes the link: the modules drawn in the SVG and the PNG are exactly segno's symbol for it."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib

import pytest

from cxlens.surveys import qr_matrix, qr_png, qr_svg

URL = "https://cx.example.com/s/AbCdEfGh1234?i=tok_0123456789"


def _svg_modules(svg: str) -> list[list[bool]]:
    """Re-draw segno's SVG path (``M x y`` / ``m dx dy`` moves, ``h n`` runs; 4-module border) as a matrix."""
    root = ET.fromstring(svg)
    path = next(p for p in root.iter("{http://www.w3.org/2000/svg}path") if p.get("class") == "qrline")
    size = int(root.get("width", "0")) // 8 - 8
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s+(-?[\d.]+))?", path.get("d", "")):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            for col in range(int(x), int(x) + int(a)):
                grid[int(y - 0.5) - 4][col - 4] = True
            x += float(a)
    return grid


def _png_modules(png: bytes, scale: int = 8) -> list[list[bool]]:
    """Decode segno's PNG (greyscale or palette; dark is index/level 0) back into modules."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    data = b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        body = png[pos + 8 : pos + 8 + length]
        if kind == b"IDAT":
            data += body
        else:
            chunks[kind] = body
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    raw = zlib.decompress(data)
    stride = (width * depth + 7) // 8
    rows, prior = [], bytes(stride)
    for r in range(height):
        line = raw[r * (stride + 1) : (r + 1) * (stride + 1)]
        kind, cur = line[0], bytearray(line[1:])
        assert kind in (0, 1, 2), "segno uses the None, Sub and Up filters"
        for i in range(stride):  # undo the filter (PNG spec §9.2; one byte per pixel step at depth ≤ 8)
            if kind == 1 and i:
                cur[i] = (cur[i] + cur[i - 1]) & 0xFF
            elif kind == 2:
                cur[i] = (cur[i] + prior[i]) & 0xFF
        prior = bytes(cur)
        bits = "".join(f"{byte:08b}" for byte in cur)
        rows.append([bits[i * depth : (i + 1) * depth] for i in range(width)])
    dark = "0" * depth
    modules = width // scale
    return [[rows[r * scale][c * scale] == dark for c in range(4, modules - 4)] for r in range(4, modules - 4)]


def test_svg_draws_the_symbol_of_the_link() -> None:
    svg = qr_svg(URL)
    assert svg.startswith("<svg") and f"<title>{URL}</title>".replace("&", "&amp;") in svg
    assert _svg_modules(svg) == qr_matrix(URL)


def test_png_draws_the_same_symbol() -> None:
    assert _png_modules(qr_png(URL)) == qr_matrix(URL)


def test_symbol_has_finder_patterns_and_grows_with_the_link() -> None:
    small, large = qr_matrix("https://x.cn/s/a"), qr_matrix(URL * 4)
    assert len(small) < len(large) and (len(small) - 17) % 4 == 0
    for grid in (small, large):
        assert grid[0][:7] == [True] * 7 and grid[6][:7] == [True] * 7  # top-left finder
        assert grid[3][2:5] == [True] * 3 and grid[1][1:6] == [False] * 5
    with pytest.raises(ValueError, match="needs the link"):
        qr_svg("")
