"""What the stored text results say (``cxlens text themes``): keywords, themes with quotes and their
counts and sentiment per period, aspects per period, and what is emerging in the latest period.

Reads only what ``cxlens text analyze`` stored (``text_results``, ``text_aspects``) plus the texts for
quotes; nothing is segmented or scored again. Quotes leave the workspace here, so personal data in them
(phones, 身份证, e-mails, cards, IPs, addresses, cued names) is masked with :func:`cxlens.text.pii.mask`
whatever the workspace's ``mask_pii`` setting.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from cxlens.store import Workspace
from cxlens.text.pii import mask
from cxlens.text.store import _SOURCES_SQL
from cxlens.text.themes import cluster_themes, emerging_terms, textrank, tfidf_keywords

__all__ = ["PERIODS", "text_overview"]

#: period lengths for counts over time (pandas period codes)
PERIODS = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}


def _results(ws: Workspace, source: str | None) -> pd.DataFrame:
    where = "WHERE tr.source = :source" if source else ""
    sql = f"""
        SELECT tr.source, tr.source_id, tr.field_id, tr.occurred_at, tr.score, tr.label, tr.keywords, s.body
        FROM text_results tr JOIN ({_SOURCES_SQL}) s
          ON s.source = tr.source AND s.source_id = tr.source_id AND s.field_id = tr.field_id
        {where} ORDER BY tr.source, tr.source_id, tr.field_id"""
    with ws.engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn, params={"source": source} if source else {})


def _aspects(ws: Workspace, source: str | None) -> pd.DataFrame:
    where = "WHERE source = :source" if source else ""
    with ws.engine.connect() as conn:
        return pd.read_sql(
            sa.text(f"SELECT aspect, occurred_at, score FROM text_aspects {where}"),
            conn,
            params={"source": source} if source else {},
        )


def _period(values: pd.Series, every: str) -> pd.Series:
    return pd.to_datetime(values).dt.to_period(PERIODS[every]).astype(str)


def text_overview(
    ws: Workspace,
    *,
    source: str | None = None,
    every: str = "month",
    n_themes: int = 8,
    label: str | None = "negative",
) -> dict[str, Any]:
    """Keywords, themes (of texts with sentiment ``label``, or all texts if None) with counts and mean
    sentiment per period, aspect counts and sentiment per period, and terms emerging in the last period."""
    if every not in PERIODS:
        raise ValueError(f"every must be one of {', '.join(PERIODS)}")
    frame = _results(ws, source)
    if frame.empty:
        return {"texts": 0, "keywords": [], "textrank": [], "themes": [], "aspects": [], "emerging": []}
    frame["period"] = _period(frame["occurred_at"], every)
    docs = [k.split() for k in frame["keywords"]]
    chosen = frame.index[frame["label"] == label] if label else frame.index
    themes = cluster_themes(
        [docs[i] for i in chosen],
        frame.loc[chosen, "body"].tolist(),
        frame.loc[chosen, "score"].tolist(),
        n_themes=n_themes,
    )
    periods = frame.loc[chosen, "period"].tolist()
    scores = frame.loc[chosen, "score"].tolist()
    theme_rows = []
    for theme in themes:
        per = pd.DataFrame({"period": [periods[i] for i in theme.members], "score": [scores[i] for i in theme.members]})
        by = per.groupby("period")["score"].agg(["count", "mean"]).reset_index()
        theme_rows.append(
            {
                "theme": theme.theme,
                "label": theme.label,
                "size": theme.size,
                "mean_score": theme.mean_score,
                "quotes": [mask(q) for q in theme.quotes],
                "by_period": [
                    {"period": p, "count": int(c), "mean_score": round(float(m), 4)}
                    for p, c, m in by.itertuples(index=False)
                ],
            }
        )
    last = frame["period"].max()
    current = [docs[i] for i in frame.index[frame["period"] == last]]
    baseline = [docs[i] for i in frame.index[frame["period"] != last]]
    return {
        "texts": len(frame),
        "keywords": [{"term": t, "weight": w} for t, w in tfidf_keywords(docs, top=20)],
        "textrank": [{"term": t, "weight": w} for t, w in textrank([t for d in docs for t in d], top=20)],
        "themes": theme_rows,
        "aspects": _aspect_periods(ws, source, every),
        "emerging": [{"period": last, **vars_emerging(e)} for e in emerging_terms(current, baseline)],
    }


def vars_emerging(e: Any) -> dict[str, Any]:
    return {"term": e.term, "count": e.count, "expected": e.expected, "ratio": e.ratio, "z": e.z}


def _aspect_periods(ws: Workspace, source: str | None, every: str) -> list[dict[str, Any]]:
    frame = _aspects(ws, source)
    if frame.empty:
        return []
    frame["period"] = _period(frame["occurred_at"], every)
    by = frame.groupby(["aspect", "period"])["score"].agg(["count", "mean"]).reset_index()
    return [
        {"aspect": a, "period": p, "count": int(c), "mean_score": round(float(m), 4)}
        for a, p, c, m in by.itertuples(index=False)
    ]
