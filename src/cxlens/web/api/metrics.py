"""``/api/v1/metrics``: list the metrics, and compute one sliced (``by``), bucketed (``every``) and filtered —
the JSON rows are ``cxlens.metrics.compute``'s tidy DataFrame records."""

from __future__ import annotations

import math
import warnings
from datetime import datetime
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.metrics import METRICS, compute, get_metric
from cxlens.metrics.sources import DIMENSIONS
from cxlens.web.accounts import User
from cxlens.web.api.schemas import ErrorOut, MetricInfo, MetricResult
from cxlens.web.deps import Db, require

router = APIRouter(tags=["metrics"], responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}})


def _parse_pairs(values: list[str], what: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{what} takes column=value[,value…], not {item!r}")
        parsed.setdefault(key.strip(), []).extend(v.strip() for v in value.split(","))
    return parsed


def _number_or_text(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return value


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A result frame as JSON-able records: NaN/NA → null, timestamps → ISO 8601."""
    rows = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if value is pd.NA or value is None or (isinstance(value, float) and math.isnan(value)):
                clean[key] = None
            elif isinstance(value, pd.Timestamp | datetime):
                clean[key] = value.isoformat()
            elif hasattr(value, "item"):
                clean[key] = value.item()
            else:
                clean[key] = value
        rows.append(clean)
    return rows


@router.get("/metrics", response_model=list[MetricInfo])
def list_all(user: Annotated[User, require("metrics.read")]) -> list[MetricInfo]:
    """Every metric with its definition and the dimensions it can be sliced by."""
    return [
        MetricInfo(
            name=m.name,
            family=m.family,
            source=m.source,
            unit=m.unit,
            direction=m.direction,
            definition=m.help,
            reference=m.reference,
            dimensions=list(DIMENSIONS[m.source]),
        )
        for m in sorted(METRICS.values(), key=lambda m: (m.family, m.name))
    ]


@router.get("/metrics/{name}", response_model=MetricResult)
def compute_one(
    ws: Db,
    user: Annotated[User, require("metrics.read")],
    name: str,
    by: Annotated[list[str], Query(description="slice by this dimension (repeatable)")] = [],  # noqa: B006
    every: Annotated[str | None, Query(pattern="^(day|week|month|quarter|year)$")] = None,
    start: Annotated[datetime | None, Query(description="from this time (UTC, inclusive)")] = None,
    end: Annotated[datetime | None, Query(description="up to this time (UTC, exclusive)")] = None,
    filter: Annotated[list[str], Query(description="keep rows where column=value[,value…] (repeatable)")] = [],  # noqa: B006
    survey: str | None = None,
    question: str | None = None,
    change: bool = False,
    option: Annotated[list[str], Query(description="a metric option, e.g. target_hours=2")] = [],  # noqa: B006
) -> MetricResult:
    """Compute metric ``name`` with n and its 95 % interval per slice and period (``change`` adds each
    period's change and its test). An empty selection gives one row with a null value and n = 0."""
    get_metric(name)
    options = {k: _number_or_text(v[0]) for k, v in _parse_pairs(option, "option").items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        frame = compute(
            ws,
            name,
            by=by,
            every=every,
            start=start,
            end=end,
            filters=_parse_pairs(filter, "filter"),
            survey=survey,
            question=question,
            change=change,
            **options,
        )
    return MetricResult(metric=name, rows=frame_records(frame))
