"""Service-team performance: scorecards per agent and team, fair comparisons, and where the time goes.

**Scorecards** (:func:`scorecards`). Per agent (and period, with ``every``), from the metric layer:
``tickets`` (volume), ``first_response_time`` and ``resolution_time`` (medians, hours), ``resolution_rate``,
``ticket_csat``, ``reopen_rate`` and ``fcr`` (NaN where the help desk gave no reopen/reply counts), and
``dissatisfied`` (tickets rated CSAT ≤ 2, the agent's complaints). Each is set against the team median
(``*_team_median``) and, where the workspace's ``targets.yaml`` names one, against its target
(``*_target``, ``*_attained``).

**Fair comparison.** Agents get different mixes of channels and priorities (a phone queue answers in
minutes, e-mail in hours), so raw medians are not comparable. Within each team (and period), an additive
model ``y = α_agent + γ_cell + ε`` with one effect per agent and per cell of ``mix`` (default channel ×
priority) is fitted by OLS with HC1 standard errors (regression standardisation, a two-way fixed-effects
model; Wooldridge, *Introductory Econometrics*, 7th ed., §7.3 and §8.2), on the log scale for times. Each agent
is compared with the team's median agent (the middle α, or the mean of the middle two), so one slow
colleague does not make everyone else look fast: for times ``*_ratio = exp(α_a − α_median)`` (1 = as fast as
the median agent on the same mix, 2 = twice as slow, a geometric-mean ratio), for CSAT ``csat_diff = α_a −
α_median`` in scale points, each with its t interval and p-value from the contrast's HC1 variance. p-values
are Holm-adjusted across the team's agents (``*_p_holm``), and ``concerns`` lists what is significantly worse.

**Bottlenecks** (:func:`bottlenecks`). Where a ticket's lead time goes: with imported ``ticket_events``,
the time spent in each status until the ticket is resolved — a status change enters its ``to_status``; the
other events enter the status they imply (created → new, first response → open, agent reply → pending
(waiting for the customer), customer reply or reopening → open, resolution → resolved); otherwise the
two stages every ticket has, waiting for the first response (created → first response) and working to
resolution (first response → resolved). Per stage and group: n, median and mean hours and the share of the
total time (sum of the stage's hours / sum over stages).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy import stats

from cxlens.loop._common import adjust, bucket
from cxlens.metrics import Analytics, compute
from cxlens.metrics.sources import source
from cxlens.store import Workspace

__all__ = ["SCORECARD_METRICS", "bottlenecks", "fair_comparison", "scorecards"]

#: scorecard column → metric of the metric layer
SCORECARD_METRICS = {
    "first_response_time": "first_response_time",
    "resolution_time": "resolution_time",
    "resolution_rate": "resolution_rate",
    "ticket_csat": "ticket_csat",
    "reopen_rate": "reopen_rate",
    "fcr": "fcr",
}
_FLOOR_HOURS = 1 / 3600  # a response in the same second is one second, so logs stay finite


def _an(where: Workspace | Analytics) -> Analytics:
    return where if isinstance(where, Analytics) else Analytics.for_workspace(where)


def _tickets(an: Analytics, mix: Sequence[str], every: str | None, start: Any = None, end: Any = None) -> pd.DataFrame:
    rel = source(an.backend, "tickets", {"agent", "team", *mix})
    if start is not None:
        rel = rel.filter(rel.at >= pd.Timestamp(start).to_pydatetime())
    if end is not None:
        rel = rel.filter(rel.at < pd.Timestamp(end).to_pydatetime())
    rows = an.execute(
        rel.select("agent", "team", *mix, "at", "first_response_hours", "resolution_hours", "csat").filter(
            rel.agent.notnull()
        )
    )
    rows["period"] = bucket(rows["at"], every) if every else pd.NaT
    return rows


def _ids(ws: Workspace | Analytics) -> dict[str, str]:
    if not isinstance(ws, Workspace):
        return {}
    with ws.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT coalesce(name, external_id), external_id FROM agents")).all()
    return {str(a): str(b) for a, b in rows}


def _ols_hc1(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """OLS coefficients, their HC1 covariance (White 1980 with the n/(n − k) correction; MacKinnon & White
    1985) and the residual degrees of freedom, from the k × k normal equations (indicator-coded designs, so k
    stays small)."""
    xtx = X.T @ X
    inv = np.linalg.pinv(xtx)
    beta = inv @ (X.T @ y)
    resid = y - X @ beta
    n, k = X.shape[0], int(np.linalg.matrix_rank(xtx))
    scaled = X * resid[:, None]
    cov = inv @ (scaled.T @ scaled) @ inv * (n / max(n - k, 1))
    return beta, cov, float(max(n - k, 1))


def _contrasts(g: pd.DataFrame, y: str, cell: list[str], alpha: float) -> pd.DataFrame:
    """Per agent of one team: its effect minus the median agent's in ``y = α_agent + γ_cell + ε`` (OLS, HC1),
    with a t interval and p-value. Agents with no ``y`` are absent."""
    data = g[g[y].notna()]
    agents = sorted(data["agent"].unique())
    if len(agents) < 2:
        return pd.DataFrame(columns=["agent", "est", "low", "high", "p", "n"])
    cells = data[cell].astype(str).agg("|".join, axis=1)
    X = pd.concat(
        [pd.get_dummies(data["agent"], dtype=float)[agents], pd.get_dummies(cells, drop_first=True, dtype=float)],
        axis=1,
    )
    beta_all, cov_all, df_resid = _ols_hc1(X.to_numpy(float), data[y].to_numpy(float))
    beta, cov = beta_all[: len(agents)], cov_all[: len(agents), : len(agents)]
    order = np.argsort(beta)
    mid = len(agents) // 2
    median = np.zeros(len(agents))
    median[order[[mid - 1, mid]] if len(agents) % 2 == 0 else order[[mid]]] = 1.0
    median /= median.sum()
    crit = float(stats.t.ppf(1 - alpha / 2, df_resid))
    rows = []
    counts = data["agent"].value_counts()
    for i, agent in enumerate(agents):
        w = -median.copy()
        w[i] += 1.0
        est, se = float(w @ beta), float(np.sqrt(max(w @ cov @ w, 0.0)))
        p = float(2 * stats.t.sf(abs(est / se), df_resid)) if se > 1e-12 else np.nan
        rows.append({"agent": agent, "est": est, "low": est - crit * se, "high": est + crit * se, "p": p,
                     "n": int(counts[agent])})  # fmt: skip
    return pd.DataFrame(rows)


def fair_comparison(
    where: Workspace | Analytics,
    *,
    mix: Sequence[str] = ("channel", "priority"),
    every: str | None = None,
    start: Any = None,
    end: Any = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Mix-adjusted comparison per agent with the team's median agent (module docstring): ``frt_ratio`` and
    ``resolution_ratio`` (with ``*_ci_low``, ``*_ci_high``, ``*_p_val``, ``*_p_holm``, ``*_n``), ``csat_diff``
    (likewise), and ``concerns``."""
    rows = _tickets(_an(where), mix, every, start, end)
    if rows.empty:
        raise ValueError("no tickets with an agent: scorecards need tickets that name their agent (agent_id)")
    rows["log_frt"] = np.log(rows["first_response_hours"].clip(lower=_FLOOR_HOURS))
    rows["log_res"] = np.log(rows["resolution_hours"].clip(lower=_FLOOR_HOURS))
    rows[list(mix)] = rows[list(mix)].astype(object).where(rows[list(mix)].notna(), "(none)")
    specs = {"frt_ratio": ("log_frt", True), "resolution_ratio": ("log_res", True), "csat_diff": ("csat", False)}
    groups = ["period", "team"] if every else ["team"]
    parts = []
    for key, g in rows.groupby(groups, dropna=False, sort=True):
        frame = pd.DataFrame({"agent": sorted(g["agent"].unique())})
        for name, (y, log) in specs.items():
            c = _contrasts(g, y, list(mix), alpha).set_index("agent")
            est, low, high = (np.exp(c[k]) if log else c[k] for k in ("est", "low", "high"))
            frame[name] = frame["agent"].map(est)
            frame[f"{name}_ci_low"] = frame["agent"].map(low)
            frame[f"{name}_ci_high"] = frame["agent"].map(high)
            frame[f"{name}_p_val"] = frame["agent"].map(c["p"])
            frame[f"{name}_p_holm"] = adjust(frame[f"{name}_p_val"].to_numpy(float), "holm")
            frame[f"{name}_n"] = frame["agent"].map(c["n"]).fillna(0).astype("int64")
        for col, value in zip(groups, key if isinstance(key, tuple) else (key,), strict=True):
            frame.insert(0, col, value)
        parts.append(frame)
    frame = pd.concat(parts, ignore_index=True)
    worse = {
        "slow_first_response": (frame["frt_ratio"] > 1) & (frame["frt_ratio_p_holm"] < alpha),
        "slow_resolution": (frame["resolution_ratio"] > 1) & (frame["resolution_ratio_p_holm"] < alpha),
        "low_csat": (frame["csat_diff"] < 0) & (frame["csat_diff_p_holm"] < alpha),
    }
    frame["concerns"] = [", ".join(k for k, v in worse.items() if v.iloc[i]) for i in range(len(frame))]
    return frame


def scorecards(
    where: Workspace | Analytics,
    *,
    every: str | None = None,
    mix: Sequence[str] = ("channel", "priority"),
    start: Any = None,
    end: Any = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One row per agent (and period): the scorecard metrics, team medians, targets and the fair comparison."""
    an = _an(where)
    fair = fair_comparison(an, mix=mix, every=every, start=start, end=end, alpha=alpha)
    keys = ["team", "agent"]
    frame: pd.DataFrame | None = None
    for column, metric in SCORECARD_METRICS.items():
        res = compute(where, metric, by=keys, every=every, start=start, end=end)
        res = res[res["agent"].notna()]
        pick = res[[*keys, *(["period"] if every else []), "value"]].rename(columns={"value": column})
        if column == "resolution_rate":
            pick["tickets"] = res["n"].to_numpy()
        for extra in ("target", "attained"):
            if extra in res:
                pick[f"{column}_{extra}"] = res[extra].to_numpy()
        frame = pick if frame is None else frame.merge(pick, on=[*keys, *(["period"] if every else [])], how="outer")
    assert frame is not None
    on = [*keys, "period"] if every else keys
    rows = _tickets(an, mix, every, start, end)
    low = rows.assign(d=(rows["csat"] <= 2).astype("int64")).groupby(on, dropna=False)["d"].sum().rename("dissatisfied")
    frame = frame.merge(low.reset_index(), on=on, how="left")
    team_keys = ["team", "period"] if every else ["team"]
    for column in ("tickets", "first_response_time", "resolution_time", "ticket_csat", "resolution_rate"):
        frame[f"{column}_team_median"] = frame.groupby(team_keys, dropna=False)[column].transform("median")
    frame = frame.merge(fair, on=on, how="left")
    ids = _ids(where)
    frame.insert(1, "agent_id", frame["agent"].map(ids))
    return frame.sort_values(on, ignore_index=True)


def bottlenecks(
    where: Workspace | Analytics, *, by: Sequence[str] = ("team",), use_events: bool | None = None
) -> pd.DataFrame:
    """Hours per stage (or status) of the service process, per group: n, median, mean, share of the total."""
    an = _an(where)
    events = _event_count(an) if use_events is not False else 0
    if use_events and not events:
        raise ValueError("the workspace has no ticket events (import them with the tickets' history)")
    long = _status_times(an, by) if events else _stage_times(an, by)
    keys = [*by, "stage"]
    agg = (
        long.groupby(keys, dropna=False, sort=False)["hours"]
        .agg(n="count", median_hours="median", mean_hours="mean", total_hours="sum")
        .reset_index()
    )
    totals = agg.groupby(list(by), dropna=False)["total_hours"].transform("sum") if by else agg["total_hours"].sum()
    agg["share_pct"] = 100 * agg["total_hours"] / totals
    agg["source"] = "events" if events else "timestamps"
    return agg.sort_values([*by, "share_pct"], ascending=[True] * len(by) + [False], ignore_index=True)


def _event_count(an: Analytics) -> int:
    e = an.table("ticket_events")
    return int(an.execute(e.count()))


def _stage_times(an: Analytics, by: Sequence[str]) -> pd.DataFrame:
    rel = source(an.backend, "tickets", set(by))
    rows = an.execute(rel.select(*by, "first_response_hours", "resolution_hours"))
    wait = rows[[*by]].assign(stage="waiting_first_response", hours=rows["first_response_hours"])
    work = rows[[*by]].assign(
        stage="working_to_resolution", hours=rows["resolution_hours"] - rows["first_response_hours"]
    )
    return pd.concat([wait, work], ignore_index=True).dropna(subset=["hours"])


def _status_times(an: Analytics, by: Sequence[str]) -> pd.DataFrame:
    rel = source(an.backend, "tickets", set(by))
    tickets = an.execute(rel.select("ticket_key", *by))
    e = an.table("ticket_events")
    ev = an.execute(e.select("ticket_id", "occurred_at", "kind", "to_status")).sort_values(["ticket_id", "occurred_at"])
    state = ev["to_status"].where(ev["to_status"].notna(), ev["kind"].map(_KIND_STATE))
    ev = ev.assign(stage=state.ffill())
    ev["next_at"] = ev.groupby("ticket_id")["occurred_at"].shift(-1)
    ev["hours"] = (ev["next_at"] - ev["occurred_at"]).dt.total_seconds() / 3600
    ev = ev.dropna(subset=["hours", "stage"])
    ev = ev[~ev["stage"].isin(("resolved", "closed"))]
    return ev.merge(tickets, left_on="ticket_id", right_on="ticket_key")[[*by, "stage", "hours"]]


_KIND_STATE = {
    "created": "new",
    "first_response": "open",
    "agent_reply": "pending",
    "customer_reply": "open",
    "reopened": "open",
    "resolved": "resolved",
}
