"""``/api/v1/distributions/{question}``: a rating question's score distribution — count, share and 95 % Wilson
interval of every scale point, per slice and period — as ``cxlens.metrics.distribution`` computes it."""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.metrics.distributions import distribution, question_scale
from cxlens.web.accounts import User
from cxlens.web.api.metrics import _parse_pairs, frame_records
from cxlens.web.api.schemas import DistributionResult, DistributionRow, ErrorOut
from cxlens.web.deps import Db, require

router = APIRouter(tags=["metrics"], responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}})


@router.get("/distributions/{question}", response_model=DistributionResult)
def score_distribution(
    ws: Db,
    user: Annotated[User, require("metrics.read")],
    question: str,
    by: Annotated[list[str], Query(description="slice by this answer dimension (repeatable)")] = [],  # noqa: B006
    every: Annotated[str | None, Query(pattern="^(day|week|month|quarter|year)$")] = None,
    start: Annotated[datetime | None, Query(description="from this time (UTC, inclusive)")] = None,
    end: Annotated[datetime | None, Query(description="up to this time (UTC, exclusive)")] = None,
    filter: Annotated[list[str], Query(description="keep rows where column=value[,value…] (repeatable)")] = [],  # noqa: B006
    survey: Annotated[str | None, Query(description="only this survey's question of that code")] = None,
) -> DistributionResult:
    """How many answered each point of ``question``'s scale (0–10 for NPS, the question's own scale
    otherwise), with n and the share's 95 % Wilson interval; every scale point is present, zeros included.
    An empty selection without slices gives every point with n = 0 and null shares."""
    scale = question_scale(ws, question, survey)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        frame = distribution(
            ws,
            question,
            by=by,
            every=every,
            start=start,
            end=end,
            filters=_parse_pairs(filter, "filter"),
            survey=survey,
        )
    return DistributionResult(
        question=question,
        type=scale.type,
        scale_min=scale.low,
        scale_max=scale.high,
        surveys=list(scale.surveys),
        by=list(by),
        every=every,
        rows=[DistributionRow.model_validate(row) for row in frame_records(frame)],
    )
