"""Result caches never cross workspaces; empty slices of periodic metrics; NPS intervals stay in range."""

from __future__ import annotations

import gc
import math
from pathlib import Path

import numpy as np
import pandas as pd

from cxlens.metrics import Analytics, compute
from cxlens.metrics.intervals import nps_interval
from cxlens.store import Workspace


def test_nps_interval_is_cut_to_the_scale() -> None:
    nps, se, lo, hi = nps_interval([2, 0], [0, 2], [2, 2])
    assert nps.tolist() == [100.0, -100.0]
    assert hi[0] == 100.0 and lo[1] == -100.0
    assert np.all(lo >= -100) and np.all(hi <= 100)


def test_retention_of_a_filter_matching_no_orders_is_empty_not_an_error(tiny: Workspace) -> None:
    frame = compute(tiny, "retention_rate", every="quarter", filters={"segment": ["no such segment"]})
    assert isinstance(frame, pd.DataFrame)
    assert frame.empty or frame["n"].fillna(0).eq(0).all()


def _nps_workspace(folder: Path, scores: list[int]) -> Workspace:
    folder.mkdir(parents=True)
    (folder / "s.yaml").write_text(
        "code: s\ntitle: S\nquestions:\n  - {code: nps, type: nps, text: Would you recommend us}\n", encoding="utf-8"
    )
    rows = ["response_id,submitted_at,nps"] + [f"R{i},2025-01-0{1 + i % 5} 10:00:00,{s}" for i, s in enumerate(scores)]
    (folder / "r.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    from cxlens.ingest import import_file, import_survey

    ws = Workspace.init(folder / "ws")
    import_survey(ws, folder / "s.yaml")
    import_file(ws, folder / "r.csv", "responses", survey="s")
    return ws


def test_cached_results_never_leak_between_workspaces(tmp_path: Path) -> None:
    # identical import history (same ids and counts) but different answers: only the database tells them apart
    values = []
    for i, scores in enumerate(([10, 10, 10, 0], [0, 0, 0, 10])):
        ws = _nps_workspace(tmp_path / str(i), scores)
        an = Analytics.for_workspace(ws)
        values.append(float(compute(an, "nps")["value"].iloc[0]))
        del an
        ws.close()
        gc.collect()  # frees the backend, whose id() Python may hand to the next one
    assert values == [50.0, -50.0]
    assert not any(math.isnan(v) for v in values)
