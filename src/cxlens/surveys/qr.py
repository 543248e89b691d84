"""QR codes of a survey's public link, as SVG (for pages and print) or PNG, drawn by ``segno`` (pure Python).

Error correction is at least level M (ISO/IEC 18004:2015, about 15 % of codewords recoverable); segno raises
it to the highest level that fits the same symbol version, so a printed code survives some wear.
"""

from __future__ import annotations

import io

import segno

__all__ = ["qr_matrix", "qr_png", "qr_svg"]


def _code(url: str) -> segno.QRCode:
    if not url:
        raise ValueError("a QR code needs the link it encodes")
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str, *, scale: int = 8, title: str | None = None) -> str:
    """An SVG document (no XML declaration, embeddable in HTML) of the QR code of ``url``."""
    out = io.BytesIO()
    _code(url).save(out, kind="svg", scale=scale, border=4, xmldecl=False, title=title or url, light="#fff")
    return out.getvalue().decode("utf-8")


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """A PNG image of the QR code of ``url`` (``scale`` pixels per module, 4-module quiet zone)."""
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_matrix(url: str) -> list[list[bool]]:
    """The code's modules without quiet zone, row by row (``True`` = dark)."""
    return [[bool(m) for m in row] for row in _code(url).matrix]
