"""Charts of a report drawn with matplotlib (Agg, no display) to PNG or SVG bytes, with a CJK font so that
Chinese labels render as glyphs, not boxes.

The font is looked up with :mod:`matplotlib.font_manager` among the fonts installed on the machine
(:data:`CJK_FONTS`, in order of preference): WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``) or Noto Sans
CJK (``fonts-noto-cjk``). Without one, :func:`cjk_font` raises :class:`MissingFontError` naming the package.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.axes import Axes

from cxlens.exceptions import ConfigurationError
from cxlens.report.model import Chart, Report, ReportTable

__all__ = ["CJK_FONTS", "MissingFontError", "cjk_font", "render_chart"]

#: CJK font families, preferred first (TrueType outlines first: reportlab embeds only those)
CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")


class MissingFontError(ConfigurationError):
    """No CJK font is installed: Chinese text would render as empty boxes."""


@lru_cache(maxsize=1)
def cjk_font() -> tuple[str, Path]:
    """(family name, font file) of the first installed font of :data:`CJK_FONTS`.

    matplotlib's font list is cached; a font installed after the cache was written is found by scanning the
    system font folders once more and adding the CJK candidates."""
    for attempt in range(2):
        for family in CJK_FONTS:
            for entry in font_manager.fontManager.ttflist:
                if entry.name == family:
                    return family, Path(entry.fname)
        if attempt == 0:
            for path in font_manager.findSystemFonts():
                if any(k in Path(path).name.lower() for k in ("wqy", "cjk", "sourcehan")):
                    font_manager.fontManager.addfont(path)
    raise MissingFontError(
        "no Chinese (CJK) font is installed, so Chinese text cannot be drawn; install the Debian package "
        "fonts-wqy-microhei (apt-get install fonts-wqy-microhei) or fonts-noto-cjk"
    )


def _setup() -> None:
    family, _ = cjk_font()
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.fonttype"] = "path"  # glyphs as outlines: the SVG needs no font on the reader's machine


_COLOURS = ("#2f6db5", "#e07b39", "#3a9d5d", "#c44e52", "#8172b2", "#937860")


def render_chart(report: Report, chart: Chart, table: ReportTable, fmt: str = "png", dpi: int = 150) -> bytes:
    """Draw ``chart`` from ``table``'s frame in ``report.lang``; ``fmt`` is ``png`` or ``svg``."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"chart format must be png or svg, not {fmt!r}")
    _setup()
    lang = report.lang
    frame = table.frame
    fig, ax = plt.subplots(figsize=(7.2, 3.6))
    try:
        if chart.kind == "quadrant":
            _quadrant(ax, frame, chart)
        elif chart.kind == "pair":
            _pair(ax, frame, chart, lang)
        else:
            labels = [str(v) for v in frame[chart.x]]
            values = frame[chart.y].astype(float).to_numpy()
            ax.bar(labels, values, color=_COLOURS[0])
            for i, v in enumerate(values):
                ax.annotate(f"{v:,.1f}", (i, v), ha="center", va="bottom", fontsize=8)
            if chart.y_label is not None:
                ax.set_ylabel(chart.y_label(lang))
            ax.tick_params(axis="x", labelrotation=30 if len(labels) > 6 else 0)
        ax.set_title(chart.title(lang))
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi)
        return buf.getvalue()
    finally:
        plt.close(fig)


def _quadrant(ax: Axes, frame: pd.DataFrame, chart: Chart) -> None:
    x, y = frame[chart.x].astype(float), frame[chart.y].astype(float)
    ax.scatter(x, y, s=60, color=_COLOURS[0])
    for xi, yi, name in zip(x, y, frame[chart.label or chart.x], strict=True):
        ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(5, 4), fontsize=8)
    if chart.thresholds:
        ax.axvline(chart.thresholds[0], color="grey", linestyle="--", linewidth=0.8)
        ax.axhline(chart.thresholds[1], color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlabel("重要性 % / importance %")
    ax.set_ylabel("表现 / performance")


def _pair(ax: Axes, frame: pd.DataFrame, chart: Chart, lang: str) -> None:
    names = [str(m) for m in frame[chart.x]]
    now = frame[chart.y].astype(float).to_numpy()
    before = frame[chart.label or "previous"].astype(float).to_numpy()
    # metrics on different scales side by side: each bar is the change in % of the previous value
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(np.abs(before) > 0, 100 * (now - before) / np.abs(before), np.nan)
    colours = [_COLOURS[2] if v >= 0 else _COLOURS[3] for v in np.nan_to_num(rel)]
    ax.barh(names, np.nan_to_num(rel), color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("较上期变化 %" if lang == "zh" else "change vs previous period, %")
    ax.invert_yaxis()
