"""Running the text pipeline over a workspace and storing the results (``cxlens text analyze``).

Every free text of the workspace — ``feedback.text``, open survey answers (``answers.value_text`` of
questions of type ``text``) and ``tickets.description`` — gets one row in ``text_results``, its sentences
in ``text_sentences`` and its aspects in ``text_aspects``. Work goes in chunks, each written in its own
transaction, so a run that is stopped keeps what it finished and the next run resumes: it analyses only
texts with no result, or whose text (md5) or analyzer (model, aspects, user dictionary) changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from cxlens.ingest.target import Target
from cxlens.store import Workspace
from cxlens.text.analyzer import AnalysisResult
from cxlens.text.model import SHIPPED_MODEL
from cxlens.text.pipeline import AnalyzerSpec, analyze_texts

__all__ = ["AnalyzeReport", "analyzer_id", "analyze_workspace", "pending_count"]

_CHUNK = 5000
_SOURCES_SQL = """
SELECT 'feedback' AS source, f.id AS source_id, 0 AS field_id, f.collected_at AS occurred_at, f.text AS body
FROM feedback f WHERE f.text IS NOT NULL AND f.text <> ''
UNION ALL
SELECT 'ticket', t.id, 0, t.created_at, t.description
FROM tickets t WHERE t.description IS NOT NULL AND t.description <> ''
UNION ALL
SELECT 'answer', a.response_id, a.question_id, r.submitted_at, a.value_text
FROM answers a JOIN questions q ON q.id = a.question_id JOIN responses r ON r.id = a.response_id
WHERE q.type = 'text' AND a.value_text IS NOT NULL AND a.value_text <> ''
"""
_PENDING_SQL = f"""
SELECT s.source, s.source_id, s.field_id, s.occurred_at, s.body, tr.source IS NOT NULL AS stale
FROM ({_SOURCES_SQL}) s
LEFT JOIN text_results tr
  ON tr.source = s.source AND tr.source_id = s.source_id AND tr.field_id = s.field_id
WHERE tr.source IS NULL OR tr.model <> :model OR tr.text_hash <> md5(s.body)
ORDER BY s.source, s.source_id, s.field_id
"""


@dataclass
class AnalyzeReport:
    analyzed: int
    already_current: int
    seconds: float
    analyzer: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "analyzed": self.analyzed,
            "already_current": self.already_current,
            "seconds": round(self.seconds, 2),
            "analyzer": self.analyzer,
        }


_RULE_FILES = ("zh_sentiment.tsv", "zh_modifiers.tsv", "en_vader.tsv", "en_pattern.tsv", "emoji.tsv")


def analyzer_id(folder: str | Path, template: str | None = None, simplified: bool = False) -> str:
    """Identifies the analyzer a workspace uses: a hash of its model, aspect lexicon and user dictionary
    (the shipped files where it has none of its own), the shipped lexicons and whether traditional Chinese is
    simplified first.
    A stored result made by another one is stale."""
    from importlib import resources

    base = Path(folder) / "text"
    digest = hashlib.sha256()
    for name in ("sentiment.model.gz", "aspects.yaml", "userdict.txt"):
        path = base / name
        if path.is_file():
            digest.update(path.read_bytes())
        elif name == "sentiment.model.gz":
            digest.update(resources.files("cxlens.text").joinpath("data", SHIPPED_MODEL).read_bytes())
        elif name == "aspects.yaml":
            digest.update(f"template:{template or 'generic'}".encode())
    for name in _RULE_FILES:  # the shipped rule layer: a new cxlens with other valences rescores
        digest.update(resources.files("cxlens.text").joinpath("data", name).read_bytes())
    if simplified:
        digest.update(b"simplified")
    return digest.hexdigest()[:16]


def pending_count(ws: Workspace, template: str | None = None, simplified: bool = False) -> tuple[int, int]:
    """(texts to analyse, texts in the workspace)."""
    model = analyzer_id(ws.path, template, simplified)
    with ws.engine.connect() as conn:
        total = conn.execute(sa.text(f"SELECT count(*) FROM ({_SOURCES_SQL}) s")).scalar_one()
        pending = conn.execute(sa.text(f"SELECT count(*) FROM ({_PENDING_SQL}) p"), {"model": model}).scalar_one()
    return int(pending), int(total)


def analyze_workspace(
    ws: Workspace,
    *,
    template: str | None = None,
    workers: int | None = None,
    redo: bool = False,
    simplified: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> AnalyzeReport:
    """Analyse the workspace's texts that have no current result; ``redo`` recomputes all of them;
    ``simplified`` converts traditional Chinese to simplified first (results made without it become stale)."""
    import time

    started = time.perf_counter()
    model = analyzer_id(ws.path, template, simplified)
    if redo:
        with ws.begin() as conn:
            for table in ("text_aspects", "text_sentences", "text_results"):
                conn.execute(sa.text(f"DELETE FROM {table}"))
    pending, total = pending_count(ws, template, simplified)
    with ws.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(_PENDING_SQL), {"model": model})]
    spec = AnalyzerSpec(str(ws.path), template, simplified)
    done = 0
    if progress:
        progress(0, pending)
    for chunk in _chunks(rows, _CHUNK):
        results = list(analyze_texts([r[4] for r in chunk], spec, workers=workers if len(chunk) > 200 else 1))
        _store(ws, chunk, results, model)
        done += len(chunk)
        if progress:
            progress(done, pending)
    return AnalyzeReport(done, total - pending, time.perf_counter() - started, model)


def _chunks(rows: list[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _store(ws: Workspace, chunk: list[tuple[Any, ...]], results: list[AnalysisResult], model: str) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    keys: dict[str, list[Any]] = {"source": [], "source_id": [], "field_id": []}
    res: dict[str, list[Any]] = {k: [] for k in ("occurred_at", "language", "score", "label", "keywords", "text_hash")}
    sent: dict[str, list[Any]] = {
        k: [] for k in ("source", "source_id", "field_id", "position", "text", "score", "label")
    }
    asp: dict[str, list[Any]] = {
        k: [] for k in ("source", "source_id", "field_id", "occurred_at", "aspect", "term", "clause", "score", "label")
    }
    for (source, source_id, field_id, occurred_at, body, _stale), r in zip(chunk, results, strict=True):
        for k, v in (("source", source), ("source_id", source_id), ("field_id", field_id)):
            keys[k].append(v)
        res["occurred_at"].append(occurred_at)
        res["language"].append(r.language)
        res["score"].append(r.score)
        res["label"].append(r.label)
        res["keywords"].append(" ".join(r.keywords))
        res["text_hash"].append(hashlib.md5(body.encode("utf-8")).hexdigest())
        for s in r.sentences:
            for k, v in zip(sent, (source, source_id, field_id, s.position, s.text, s.score, s.label), strict=True):
                sent[k].append(v)
        for a in r.aspects:
            values = (source, source_id, field_id, occurred_at, a.aspect, a.term, a.clause, a.score, a.label)
            for k, v in zip(asp, values, strict=True):
                asp[k].append(v)
    n = len(chunk)
    results_table = pa.table({**keys, **res, "model": [model] * n, "analyzed_at": [now] * n})
    stale = pa.table({k: v for k, v in keys.items()}).filter(pa.array([bool(r[5]) for r in chunk]))
    with ws.begin() as conn:
        target = Target(conn)
        try:
            _replace(
                target,
                stale,
                results_table,
                pa.table(sent, schema=_SENTENCE_SCHEMA),
                pa.table(asp, schema=_ASPECT_SCHEMA),
            )
        finally:
            target.release()


_KEY = [("source", pa.string()), ("source_id", pa.int64()), ("field_id", pa.int64())]
_SENTENCE_SCHEMA = pa.schema(
    [*_KEY, ("position", pa.int32()), ("text", pa.string()), ("score", pa.float64()), ("label", pa.string())]
)
_ASPECT_SCHEMA = pa.schema(
    [
        *_KEY,
        ("occurred_at", pa.timestamp("us")),
        ("aspect", pa.string()),
        ("term", pa.string()),
        ("clause", pa.string()),
        ("score", pa.float64()),
        ("label", pa.string()),
    ]
)


def _replace(target: Target, stale: pa.Table, results: pa.Table, sentences: pa.Table, aspects: pa.Table) -> None:
    key = "(source, source_id, field_id)"
    if stale.num_rows:
        target.load("text_stale_keys", stale)
        for table in ("text_aspects", "text_sentences", "text_results"):
            target.execute(
                f"DELETE FROM {table} WHERE {key} IN (SELECT source, source_id, field_id FROM text_stale_keys)"
            )
    columns = {
        "text_results": results,
        "text_sentences": sentences,
        "text_aspects": aspects,
    }
    for table, data in columns.items():
        if not data.num_rows:
            continue
        target.load(f"{table}_new", data)
        names = ", ".join(data.column_names)
        target.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {table}_new")
