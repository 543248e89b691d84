"""docs/quality.md names every indicator, normalisation, weight method and template."""

from __future__ import annotations

from pathlib import Path

from cxlens.quality.criteria import NORMALISATIONS
from cxlens.quality.indicators import INDICATORS
from cxlens.quality.weights import METHODS
from cxlens.templates import TEMPLATES

PAGE = Path(__file__).resolve().parents[2] / "docs" / "quality.md"


def test_the_quality_page_is_complete() -> None:
    text = PAGE.read_text(encoding="utf-8")
    names = [*INDICATORS, *NORMALISATIONS, *METHODS, *TEMPLATES]
    assert [n for n in names if f"`{n}`" not in text] == []
