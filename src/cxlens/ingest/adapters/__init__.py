"""Vendor exports onto the one import path: one small module per vendor, one registry.

:func:`adapt` reads a file's first rows, asks every adapter how sure it is that the file is its vendor's
export (:meth:`Adapter.detect`), and lets the surest one (at least :data:`THRESHOLD`) read it. ``format``
forces one adapter by name; ``csv``, ``xlsx`` and ``xls`` force the plain reader (no adapter).
:func:`read_survey_file` does the same for survey-structure files (Qualtrics .qsf, LimeSurvey .lss, its
tab-separated structure export and its R syntax file).
"""

from __future__ import annotations

from pathlib import Path

from cxlens.exceptions import ReadError
from cxlens.ingest.adapters import (
    freshdesk,
    googleforms,
    jira,
    limesurvey,
    limesurvey_r,
    limesurvey_structure,
    qualtrics,
    spss,
    surveymonkey,
    wjx,
    zendesk,
)
from cxlens.ingest.adapters.base import Adapted, Adapter, Head, SurveyReader, read_head
from cxlens.ingest.readers import FORMATS
from cxlens.ingest.surveys import SurveyDef

__all__ = ["ADAPTERS", "ALL_FORMATS", "SURVEY_READERS", "Adapted", "adapt", "detect", "read_survey_file"]

#: a file is read by an adapter only when it is at least this sure
THRESHOLD = 0.5

ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in (
        qualtrics.ADAPTER,
        wjx.ADAPTER,
        surveymonkey.ADAPTER,
        spss.SPSS,
        spss.STATA,
        zendesk.ADAPTER,
        freshdesk.ADAPTER,
        jira.ADAPTER,
        limesurvey.ADAPTER,
        googleforms.ADAPTER,
    )
}
SURVEY_READERS: dict[str, SurveyReader] = {
    r.name: r for r in (qualtrics.QSF, limesurvey_structure.LSS, limesurvey_structure.TSV, limesurvey_r.RSYNTAX)
}
#: every value ``--format`` accepts
ALL_FORMATS: tuple[str, ...] = (*ADAPTERS, *FORMATS)


def detect(head: Head) -> Adapter | None:
    """The adapter surest that ``head`` is its vendor's export, or None (a plain table)."""
    scored = sorted(((a.detect(head), a.name) for a in ADAPTERS.values()), reverse=True)
    if scored and scored[0][0] >= THRESHOLD:
        return ADAPTERS[scored[0][1]]
    return None


def adapt(
    path: str | Path, format: str | None = None, *, sheet: str | None = None, encoding: str | None = None
) -> Adapted | None:
    """Read ``path`` with the adapter ``format`` names, or the one detected; None for a plain table."""
    p = Path(path)
    if not p.is_file():
        raise ReadError(f"{p}: no such file")
    if format is not None and format not in ALL_FORMATS:
        raise ReadError(f"unknown format {format!r}: use one of {', '.join(ALL_FORMATS)}")
    if format in FORMATS:
        return None
    head = read_head(p, sheet=sheet, encoding=encoding)
    adapter = ADAPTERS[format] if format is not None else detect(head)
    if adapter is None:
        if head.container in ("sav", "dta"):
            return ADAPTERS["spss" if head.container == "sav" else "stata"].read(
                p, head, sheet=sheet, encoding=encoding
            )
        return None
    return adapter.read(p, head, sheet=sheet, encoding=encoding)


def read_survey_file(path: str | Path) -> SurveyDef | None:
    """A survey definition from a vendor's survey-structure file, or None if no reader recognises it."""
    p = Path(path)
    if not p.is_file():
        raise ReadError(f"{p}: no such file")
    head = read_head(p)
    scored = sorted(((r.detect(head), r.name) for r in SURVEY_READERS.values()), reverse=True)
    if scored and scored[0][0] >= THRESHOLD:
        return SURVEY_READERS[scored[0][1]].read_survey(p)
    return None
