"""Analysing many texts: in this process, or in a pool of worker processes (jieba holds the GIL, so
threads give it no speed-up; PITFALLS.md).

Each worker builds its own :class:`~cxlens.text.analyzer.Analyzer` once, from an :class:`AnalyzerSpec`
(a folder whose ``text/`` holds the workspace's model, aspects and user dictionary, or an aspect
template), and then analyses batches of texts; results come back in input order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cxlens.text.analyzer import AnalysisResult, Analyzer
from cxlens.text.aspects import AspectLexicon

__all__ = ["AnalyzerSpec", "analyze_texts", "default_workers"]

_BATCH = 500
_WORKER: Analyzer | None = None


@dataclass(frozen=True)
class AnalyzerSpec:
    """How to build an analyzer in a worker process."""

    folder: str | None = None
    template: str | None = None
    #: traditional Chinese → simplified before analysis
    simplified: bool = False

    def build(self) -> Analyzer:
        simplified = self.simplified
        if self.folder is not None:
            analyzer = Analyzer.for_folder(self.folder, simplified=simplified)
            if self.template and not (Path(self.folder) / "text" / "aspects.yaml").is_file():
                template = AspectLexicon.template(self.template)
                return Analyzer(analyzer.model, template, analyzer.user_words, simplified=simplified)
            return analyzer
        return Analyzer(aspects=AspectLexicon.template(self.template or "generic"), simplified=simplified)


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _init_worker(spec: AnalyzerSpec) -> None:
    global _WORKER
    _WORKER = spec.build()


def _analyze_batch(texts: Sequence[str]) -> list[AnalysisResult]:
    if _WORKER is None:
        raise RuntimeError("text worker process was not initialised")
    return [_WORKER.analyze(t) for t in texts]


def analyze_texts(
    texts: Iterable[str],
    spec: AnalyzerSpec | None = None,
    *,
    workers: int | None = None,
    analyzer: Analyzer | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[AnalysisResult]:
    """Analyse ``texts``, yielding one result per text in order.

    ``workers`` > 1 spreads batches of 500 over that many processes; 1 (or a given ``analyzer``) works in
    this process. ``progress`` is called with the number of texts finished after each batch.
    """
    spec = spec or AnalyzerSpec()
    workers = default_workers() if workers is None else workers
    batches = _batches(texts, _BATCH)
    if workers <= 1 or analyzer is not None:
        local = analyzer or spec.build()
        for batch in batches:
            yield from (local.analyze(t) for t in batch)
            if progress:
                progress(len(batch))
        return
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(spec,)) as pool:
        for results in pool.map(_analyze_batch, batches, chunksize=1):
            yield from results
            if progress:
                progress(len(results))


def _batches(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
