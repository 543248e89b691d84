"""What the stored text results say (``cxlens text themes``): keywords, themes with quotes and their
counts and sentiment per period, aspects per period, and what is emerging in the latest period.

Reads only what ``cxlens text analyze`` stored (``text_results``, ``text_aspects``) plus the texts for
quotes; nothing is segmented or scored again. Quotes leave the workspace here, so personal data in them
(phones, 身份证, e-mails, cards, IPs, addresses, cued names) is masked with :func:`cxlens.text.pii.mask`
whatever the workspace's ``mask_pii`` setting.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from cxlens.store import Workspace
from cxlens.text.pii import mask
from cxlens.text.store import _SOURCES_SQL
from cxlens.text.themes import cluster_themes, emerging_terms, textrank, tfidf_keywords

__all__ = ["PERIODS", "latest_theme_run", "stored_themes", "text_overview"]

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
    save: bool = True,
) -> dict[str, Any]:
    """Keywords, themes (of texts with sentiment ``label``, or all texts if None) with counts and mean
    sentiment per period, aspect counts and sentiment per period, and terms emerging in the last period.

    With ``save`` (the default) the themes and which text belongs to which are stored as a new theme run
    (``text_theme_runs`` / ``text_themes`` / ``text_theme_members``), which :func:`stored_themes` reads back
    for pages and reports without clustering again; the result then carries its ``run_id``."""
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
    run_id = _save_run(ws, frame, chosen, themes, source, label) if save and themes else None
    last = frame["period"].max()
    current = [docs[i] for i in frame.index[frame["period"] == last]]
    baseline = [docs[i] for i in frame.index[frame["period"] != last]]
    return {
        "texts": len(frame),
        "run_id": run_id,
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


def _results_version(conn: sa.Connection) -> str:
    """What the stored text results are now: their count and latest analysis time (a run older than this is stale)."""
    n, latest = conn.execute(sa.text("SELECT count(*), max(analyzed_at) FROM text_results")).one()
    return f"{int(n)}@{latest.isoformat() if latest is not None else '-'}"


def _save_run(
    ws: Workspace, frame: pd.DataFrame, chosen: Any, themes: list[Any], source: str | None, label: str | None
) -> int:
    """Store one theme run in one transaction; return its id."""
    keys = frame.loc[chosen, ["source", "source_id", "field_id"]].reset_index(drop=True)
    with ws.begin() as conn:
        run_id = int(conn.execute(sa.text("SELECT nextval('text_theme_runs_id_seq')")).scalar_one())
        conn.execute(
            sa.text(
                "INSERT INTO text_theme_runs (id, created_at, source, label, n_texts, n_themes, results_version) "
                "VALUES (:id, :at, :source, :label, :n, :k, :version)"
            ),
            {
                "id": run_id,
                "at": datetime.now(UTC).replace(tzinfo=None),
                "source": source,
                "label": label,
                "n": len(keys),
                "k": len(themes),
                "version": _results_version(conn),
            },
        )
        conn.execute(
            sa.text(
                "INSERT INTO text_themes (run_id, theme, label, terms, size, mean_score, quotes_json) "
                "VALUES (:run, :theme, :label, :terms, :size, :mean, :quotes)"
            ),
            [
                {
                    "run": run_id,
                    "theme": t.theme,
                    "label": t.label,
                    "terms": " ".join(t.terms),
                    "size": t.size,
                    "mean": None if pd.isna(t.mean_score) else t.mean_score,
                    "quotes": json.dumps([mask(q) for q in t.quotes], ensure_ascii=False),
                }
                for t in themes
            ],
        )
        members = [
            {
                "run": run_id,
                "theme": t.theme,
                "source": keys.at[i, "source"],
                "source_id": int(keys.at[i, "source_id"]),
                "field_id": int(keys.at[i, "field_id"]),
            }
            for t in themes
            for i in t.members
        ]
        if members:
            conn.execute(
                sa.text(
                    "INSERT INTO text_theme_members (run_id, theme, source, source_id, field_id) "
                    "VALUES (:run, :theme, :source, :source_id, :field_id)"
                ),
                members,
            )
    return run_id


def latest_theme_run(ws: Workspace) -> dict[str, Any] | None:
    """The newest stored theme run (id, created_at, source, label, n_texts, n_themes) and whether texts were
    analysed since (``stale``), or None when ``cxlens text themes`` has never run."""
    with ws.engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT id, created_at, source, label, n_texts, n_themes, results_version "
                "FROM text_theme_runs ORDER BY id DESC LIMIT 1"
            )
        ).one_or_none()
        if row is None:
            return None
        info = dict(row._mapping)
        info["stale"] = info.pop("results_version") != _results_version(conn)
    return info


def stored_themes(ws: Workspace, *, run_id: int | None = None, every: str = "month") -> pd.DataFrame:
    """The themes of a stored run (the latest by default), one row per theme and period: ``theme``, ``label``,
    ``terms``, ``size`` (whole run), ``period``, ``n`` (texts of the theme in that period, by their date),
    ``mean_score`` and ``negative_share`` (of those texts, from the stored sentiment), plus ``quotes`` (masked).

    Raises ``ValueError`` when no run is stored (run ``cxlens text themes DIR`` first) or ``run_id`` is unknown.
    """
    if every not in PERIODS:
        raise ValueError(f"every must be one of {', '.join(PERIODS)}")
    if run_id is None:
        latest = latest_theme_run(ws)
        if latest is None:
            raise ValueError("no stored themes: run `cxlens text themes DIR` first")
        run_id = int(latest["id"])
    with ws.engine.connect() as conn:
        themes = pd.read_sql(
            sa.text("SELECT theme, label, terms, size, quotes_json FROM text_themes WHERE run_id = :run"),
            conn,
            params={"run": run_id},
        )
        if themes.empty:
            raise ValueError(f"no stored theme run {run_id}")
        members = pd.read_sql(
            sa.text(
                "SELECT m.theme, tr.occurred_at, tr.score, tr.label AS sentiment "
                "FROM text_theme_members m JOIN text_results tr ON tr.source = m.source "
                "AND tr.source_id = m.source_id AND tr.field_id = m.field_id WHERE m.run_id = :run"
            ),
            conn,
            params={"run": run_id},
        )
    members = members.dropna(subset=["occurred_at"])
    members["period"] = _period(members["occurred_at"], every)
    members["negative"] = (members["sentiment"] == "negative").astype(float)
    by = (
        members.groupby(["theme", "period"])
        .agg(n=("score", "size"), mean_score=("score", "mean"), negative_share=("negative", "mean"))
        .reset_index()
    )
    themes["quotes"] = themes.pop("quotes_json").map(json.loads)
    out = themes.merge(by, on="theme", how="left").sort_values(["theme", "period"]).reset_index(drop=True)
    out["n"] = out["n"].fillna(0).astype("int64")
    out.insert(0, "run_id", run_id)
    return out
