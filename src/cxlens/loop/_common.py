"""Small helpers shared by the closing-the-loop modules: clock, JSON, period buckets, multiplicity."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

#: period name → pandas period alias (weeks start on Monday, as the metric layer's)
PERIOD_ALIAS = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}


def utcnow() -> datetime:
    """Now, in UTC, without a time zone (the workspace stores naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=plain)


def plain(value: Any) -> Any:
    """A JSON-ready scalar: numpy numbers → Python, NaN → None, timestamps → ISO strings."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts."""
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def bucket(values: pd.Series, every: str) -> pd.Series:
    """The start of each timestamp's period (``every`` in :data:`PERIOD_ALIAS`)."""
    if every not in PERIOD_ALIAS:
        raise ValueError(f"every must be one of {', '.join(PERIOD_ALIAS)}, not {every!r}")
    return pd.to_datetime(values).dt.to_period(PERIOD_ALIAS[every]).dt.start_time.astype("datetime64[us]")


def adjust(p: np.ndarray, correction: str) -> np.ndarray:
    """Family-wise adjusted p-values: ``none``, ``bonferroni`` or ``holm`` (Holm 1979, Scand. J. Stat. 6:65–70);
    NaN p-values are left out of the family and stay NaN."""
    p = np.asarray(p, dtype=float)
    if correction == "none":
        return p
    ok = np.isfinite(p)
    m = int(ok.sum())
    out = np.full_like(p, np.nan)
    if m == 0:
        return out
    q = p[ok]
    if correction == "bonferroni":
        out[ok] = np.minimum(q * m, 1.0)
        return out
    if correction == "holm":
        order = np.argsort(q)
        stepped = np.maximum.accumulate((m - np.arange(m)) * q[order])
        adj = np.empty(m)
        adj[order] = np.minimum(stepped, 1.0)
        out[ok] = adj
        return out
    raise ValueError(f"correction must be none, bonferroni or holm, not {correction!r}")
