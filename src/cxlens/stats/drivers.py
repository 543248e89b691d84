"""Key-driver analysis: which attributes drive overall satisfaction (or NPS, or repurchase intent), and
where to act — relative importance from one correlation matrix, and the importance–performance matrix.

Relative importance of predictors x₁ … x_p of an outcome y in a linear model (Grömping 2006; 2007):

* **LMG** (Lindeman, Merenda & Gold 1980): each predictor's Shapley value of R², i.e. its increase in R²
  when it joins the model, averaged over every order in which the predictors can enter:

      LMG_j = Σ_{S ⊆ P∖{j}} |S|! (p − |S| − 1)! / p! · [R²(S ∪ {j}) − R²(S)],

  which sums to the full model's R². It needs R² of all 2^p − 1 subsets. Every one of them is computed
  from **one** correlation matrix: R²(S) = r_yS′ R_SS⁻¹ r_yS, a p × p linear solve at most — no pass over
  the data per subset (255 solves for 8 drivers take milliseconds, whatever the number of rows). This is
  relaimpo's ``calc.relimp(type = "lmg")``.
* **Relative weights** (Johnson 2000): with R_xx = V diag(λ) V′ and Λ = V diag(√λ) V′ (the correlations of
  the predictors with their closest orthonormal counterparts), β* = Λ⁻¹ r_xy and
  ε_j = Σ_k Λ_jk² β*_k², which also sums to R². It approximates LMG at a fraction of the cost
  (the R ``rwa`` package; Tonidandel & LeBreton 2015).
* **Standardized betas** β = R_xx⁻¹ r_xy and the zero-order **correlations** r_xy, for reference.

The importance–performance matrix (Martilla & James 1977) crosses each driver's importance (default: its
LMG share of R²) with its performance (its mean score) and splits both at a threshold (default: their
means, as is usual; ``median`` or fixed numbers on request):

============================  ===============  ==================
quadrant                      importance       performance
============================  ===============  ==================
``concentrate_here``          high (≥)         low (<)
``keep_up_the_good_work``     high (≥)         high (≥)
``low_priority``              low (<)          low (<)
``possible_overkill``         low (<)          high (≥)
============================  ===============  ==================

Assumptions: a linear model of y on the drivers; rows with any missing driver or outcome are left out
(listwise deletion, as ``lm`` does); no driver may be constant or an exact linear combination of the others.
Bootstrap intervals (``n_boot``) resample rows and recompute the correlation matrix of each resample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cxlens.metrics.engines import Analytics
from cxlens.stats.data import NUMERIC_TYPES, check_columns, numeric_column, survey_frame, survey_questions
from cxlens.store import Workspace

__all__ = [
    "QUADRANTS",
    "KeyDriverResult",
    "drivers",
    "importance_performance",
    "key_drivers",
    "lmg",
    "relative_weights",
    "subset_r2",
]

#: the importance–performance quadrants, in display order
QUADRANTS = ("concentrate_here", "keep_up_the_good_work", "low_priority", "possible_overkill")
#: LMG needs 2^p subset regressions; above this many drivers use relative weights
MAX_LMG_DRIVERS = 16


@dataclass(frozen=True)
class KeyDriverResult:
    """The result of :func:`key_drivers` / :func:`drivers`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per driver, most important first: ``driver``, ``mean`` (performance), ``sd``, ``r`` and
        ``r_p_val`` (correlation with the outcome), ``beta`` (standardized coefficient), ``lmg`` (share of
        R², sums to ``r2``), ``lmg_pct`` (share of R² in %, sums to 100), ``rel_weight``,
        ``rel_weight_pct``, ``rank``, ``importance`` (the measure used for the matrix, in %),
        ``quadrant``; with ``n_boot`` also ``lmg_pct_ci_low``/``lmg_pct_ci_high`` and
        ``rel_weight_pct_ci_low``/``rel_weight_pct_ci_high`` (percentile intervals).
    fit : dict
        ``outcome``, ``n`` (rows used), ``n_dropped`` (rows with a missing value), ``r2``, ``adj_r2``,
        ``f``, ``f_p_val`` (overall F test of the linear model), ``importance`` (measure), ``thresholds``
        (importance, performance), ``n_boot`` and, from a workspace, ``survey`` and ``drivers_from``.
    """

    table: pd.DataFrame
    fit: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain lists and dicts."""
        clean = self.table.astype(object).where(self.table.notna(), None)
        return {"fit": _plain(self.fit), "drivers": clean.to_dict("records")}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


# -- the computations on a correlation matrix -----------------------------------------------------------


def subset_r2(corr: np.ndarray) -> np.ndarray:
    """R² of the regression of y on every subset of the predictors, from one correlation matrix.

    Parameters
    ----------
    corr : ndarray, shape (p + 1, p + 1)
        Correlation (or covariance) matrix of the predictors x₁ … x_p followed by the outcome y (last).

    Returns
    -------
    ndarray, shape (2 ** p,)
        Element ``m`` is R²(S) for the subset S whose members are the set bits of ``m`` (bit j = x_{j+1});
        element 0 (the empty model) is 0.

    Notes
    -----
    R²(S) = r_yS′ R_SS⁻¹ r_yS / var(y) — one small symmetric solve per subset, never a pass over the data.
    """
    c = np.asarray(corr, dtype=np.float64)
    p = c.shape[0] - 1
    rxx, rxy, vy = c[:p, :p], c[:p, p], c[p, p]
    out = np.zeros(1 << p)
    bits = np.arange(p)
    for mask in range(1, 1 << p):
        idx = bits[(mask >> bits) & 1 == 1]
        r = rxy[idx]
        out[mask] = float(r @ np.linalg.solve(rxx[np.ix_(idx, idx)], r)) / vy
    return out


def lmg(corr: np.ndarray) -> np.ndarray:
    """LMG (Shapley) decomposition of R² from a correlation matrix laid out as in :func:`subset_r2`.

    Returns one value per predictor; they sum to the full model's R².

    Examples
    --------
    Two uncorrelated predictors each keep their own squared correlation:

    >>> import numpy as np
    >>> corr = np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.3], [0.6, 0.3, 1.0]])
    >>> lmg(corr).round(4).tolist()
    [0.36, 0.09]
    """
    r2 = subset_r2(corr)
    p = int(np.log2(len(r2)))
    masks = np.arange(1 << p)
    size = np.array([bin(m).count("1") for m in range(1 << p)])
    weight = np.array([math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)])
    out = np.empty(p)
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        out[j] = float((weight[size[without]] * (r2[without | (1 << j)] - r2[without])).sum())
    return out


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights from a correlation matrix laid out as in :func:`subset_r2`.

    Returns one raw weight ε_j per predictor; they sum to R².

    Examples
    --------
    >>> import numpy as np
    >>> corr = np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.3], [0.6, 0.3, 1.0]])
    >>> relative_weights(corr).round(4).tolist()
    [0.36, 0.09]
    """
    c = _as_correlation(np.asarray(corr, dtype=np.float64))
    p = c.shape[0] - 1
    values, vectors = np.linalg.eigh(c[:p, :p])
    lam = vectors @ np.diag(np.sqrt(np.clip(values, 0, None))) @ vectors.T
    beta = np.linalg.solve(lam, c[:p, p])
    return np.asarray((lam**2) @ (beta**2), dtype=np.float64)


def _as_correlation(c: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(c))
    return np.asarray(c / np.outer(d, d), dtype=np.float64)


# -- from data --------------------------------------------------------------------------------------------


def _matrix(data: pd.DataFrame, dv: str, ivs: list[str], weights: str | None) -> tuple[np.ndarray, np.ndarray, int]:
    """The listwise-complete (weighted) covariance matrix of ivs + dv, the means of the ivs and n."""
    cols = [numeric_column(data, c).to_numpy() for c in [*ivs, dv]]
    x = np.column_stack(cols)
    ok = ~np.isnan(x).any(axis=1)
    w = None
    if weights is not None:
        w = numeric_column(data, weights).to_numpy()
        ok &= ~np.isnan(w)
        if (w[ok] < 0).any():
            raise ValueError(f"weights column {weights!r} has negative values")
    x = x[ok]
    if w is not None:
        w = w[ok]
    return x, (w if w is not None else np.empty(0)), int(ok.sum())


def _cov(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if w.size:
        total = w.sum()
        mean = (w @ x) / total
        z = x - mean
        return (z * w[:, None]).T @ z / total, mean
    mean = x.mean(axis=0)
    z = x - mean
    return z.T @ z / (len(x) - 1), mean


def _check_rows(n: int, p: int) -> None:
    if n < p + 2:
        raise ValueError(
            f"too few complete rows: {n} for {p} drivers; a key-driver analysis needs at least p + 2 = {p + 2} "
            "(and, to be stable, many more: 10–20 per driver)"
        )


def _check_design(cov: np.ndarray, names: list[str], dv: str) -> None:
    p = len(names)
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    scale = np.maximum(np.abs(np.diag(cov)), 1e-300)
    constant = [name for name, s, v in zip([*names, dv], sd, scale, strict=True) if s == 0 or s**2 < 1e-12 * v]
    if constant:
        raise ValueError(f"constant column(s) {', '.join(map(repr, constant))}: a constant cannot drive anything")
    corr = _as_correlation(cov)
    values, vectors = np.linalg.eigh(corr[:p, :p])
    if values.min() < 1e-10:
        worst = vectors[:, 0]
        involved = [names[i] for i in np.argsort(-np.abs(worst)) if abs(worst[i]) > 0.1]
        raise ValueError(
            "the drivers are linearly dependent (a singular correlation matrix, smallest eigenvalue "
            f"{values.min():.2e}); the columns involved: {', '.join(involved)}. Drop or merge one of them"
        )


def key_drivers(
    data: pd.DataFrame,
    dv: str,
    ivs: Sequence[str],
    *,
    weights: str | None = None,
    importance: str = "lmg",
    thresholds: str | tuple[float, float] = "mean",
    n_boot: int = 0,
    alpha: float = 0.05,
    random_state: int | None = 0,
) -> KeyDriverResult:
    """Relative importance of ``ivs`` for ``dv`` and the importance–performance matrix.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The outcome column (e.g. ``overall``).
    ivs : sequence of str
        The driver columns (e.g. dimension scores). At most 16 for LMG.
    weights : str, optional
        Survey weights: every statistic then uses the weighted covariance matrix (the R² of weighted least
        squares, as ``rwa``'s ``weight=``).
    importance : {"lmg", "rel_weight"}, default "lmg"
        The measure put on the importance axis of the matrix (as a % of R²).
    thresholds : "mean", "median" or (importance, performance), default "mean"
        Where the matrix is split: the mean (or median) of the drivers' importances and of their mean
        scores, or fixed values (importance in % of R², performance on the drivers' scale).
    n_boot : int, default 0
        Bootstrap resamples for percentile intervals of the LMG and relative-weight shares (0 = none;
        1000 or more for publication).
    alpha : float, default 0.05
        1 − the confidence level of the intervals.
    random_state : int, optional
        Seed of the bootstrap.

    Returns
    -------
    KeyDriverResult

    Raises
    ------
    ValueError
        A missing or non-numeric column, a constant column, too few complete rows (n < p + 2), linearly
        dependent drivers, or more than 16 drivers.

    Examples
    --------
    Fertility in Swiss provinces (1888), as in Grömping (2006), JSS 17(1): relaimpo's LMG share of
    Education is 0.2601 of R² = 0.7067.

    >>> import pandas as pd  # doctest: +SKIP
    >>> swiss = pd.read_csv("swiss.csv")  # doctest: +SKIP
    >>> ivs = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
    >>> r = key_drivers(swiss, "Fertility", ivs)  # doctest: +SKIP
    >>> round(r.fit["r2"], 4), round(float(r.table.set_index("driver").loc["Education", "lmg"]), 4)  # doctest: +SKIP
    (0.7067, 0.2601)
    """
    names = list(dict.fromkeys(ivs))
    if not names:
        raise ValueError("ivs is empty: name at least one driver")
    if dv in names:
        raise ValueError(f"the outcome {dv!r} cannot also be a driver")
    if len(names) > MAX_LMG_DRIVERS:
        raise ValueError(
            f"{len(names)} drivers: LMG needs 2^p subset regressions and is limited to {MAX_LMG_DRIVERS} drivers; "
            "group them (e.g. into dimension scores) or use relative_weights on the correlation matrix"
        )
    if importance not in ("lmg", "rel_weight"):
        raise ValueError(f"importance must be 'lmg' or 'rel_weight', not {importance!r}")
    check_columns(data, dv, *names, weights)
    x, w, n = _matrix(data, dv, names, weights)
    _check_rows(n, len(names))
    cov, means = _cov(x, w)
    _check_design(cov, names, dv)
    table, r2 = _table(cov, names, means, n)
    if n_boot:
        table = _bootstrap(table, x, w, names, n_boot, alpha, random_state)
    p = len(names)
    f = (r2 / p) / ((1 - r2) / (n - p - 1)) if r2 < 1 else np.inf
    fit: dict[str, Any] = {
        "outcome": dv,
        "n": n,
        "n_dropped": len(data) - n,
        "r2": r2,
        "adj_r2": 1 - (1 - r2) * (n - 1) / (n - p - 1),
        "f": float(f),
        "f_p_val": float(stats.f.sf(f, p, n - p - 1)),
        "importance": importance,
        "n_boot": n_boot,
        "weighted": weights is not None,
    }
    table, cuts = importance_performance(table, importance=f"{importance}_pct", thresholds=thresholds)
    fit["thresholds"] = {"importance": cuts[0], "performance": cuts[1], "rule": thresholds}
    return KeyDriverResult(table, fit)


def _table(cov: np.ndarray, names: list[str], means: np.ndarray, n: int) -> tuple[pd.DataFrame, float]:
    corr = _as_correlation(cov)
    p = len(names)
    shapley = lmg(corr)
    weights = relative_weights(corr)
    r2 = float(shapley.sum())
    r = corr[:p, p]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = r * np.sqrt((n - 2) / (1 - r**2))
    table = pd.DataFrame(
        {
            "driver": names,
            "mean": means[:p],
            "sd": np.sqrt(np.diag(cov)[:p]),
            "r": r,
            "r_p_val": 2 * stats.t.sf(np.abs(t), n - 2),
            "beta": np.linalg.solve(corr[:p, :p], r),
            "lmg": shapley,
            "lmg_pct": 100 * shapley / r2 if r2 > 0 else np.nan,
            "rel_weight": weights,
            "rel_weight_pct": 100 * weights / weights.sum() if weights.sum() > 0 else np.nan,
        }
    )
    table["rank"] = table["lmg"].rank(ascending=False, method="min").astype(int)
    return table.sort_values(["rank", "driver"], kind="stable").reset_index(drop=True), r2


def _bootstrap(
    table: pd.DataFrame, x: np.ndarray, w: np.ndarray, names: list[str], n_boot: int, alpha: float, seed: int | None
) -> pd.DataFrame:
    if n_boot < 50:
        raise ValueError(f"n_boot = {n_boot} is too few for percentile intervals; use at least 50 (1000 or more)")
    rng = np.random.default_rng(seed)
    n, p = x.shape[0], x.shape[1] - 1
    shares = np.full((n_boot, 2, p), np.nan)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        cov, _ = _cov(x[idx], w[idx] if w.size else w)
        if np.any(np.diag(cov) <= 0):
            continue
        corr = _as_correlation(cov)
        if np.linalg.eigvalsh(corr[:p, :p]).min() < 1e-10:
            continue
        a, rw = lmg(corr), relative_weights(corr)
        shares[b, 0], shares[b, 1] = 100 * a / a.sum(), 100 * rw / rw.sum()
    pos = [names.index(d) for d in table["driver"]]
    lo, hi = np.nanpercentile(shares, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
    out = table.copy()
    out["lmg_pct_ci_low"], out["lmg_pct_ci_high"] = lo[0, pos], hi[0, pos]
    out["rel_weight_pct_ci_low"], out["rel_weight_pct_ci_high"] = lo[1, pos], hi[1, pos]
    return out


def importance_performance(
    table: pd.DataFrame,
    *,
    importance: str = "lmg_pct",
    performance: str = "mean",
    thresholds: str | tuple[float, float] = "mean",
) -> tuple[pd.DataFrame, tuple[float, float]]:
    """Place each driver in an importance–performance quadrant (Martilla & James 1977).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per driver with the ``importance`` and ``performance`` columns.
    importance, performance : str
        The columns on each axis (default: LMG share of R² in % and the mean score).
    thresholds : "mean", "median" or (importance, performance)
        The split of each axis: the mean or median over the drivers, or fixed values.

    Returns
    -------
    (pandas.DataFrame, (float, float))
        A copy of ``table`` with ``importance`` (the values used) and ``quadrant`` (one of
        :data:`QUADRANTS`); and the two thresholds. A value equal to its threshold counts as high.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"driver": list("abcd"), "lmg_pct": [40, 30, 20, 10], "mean": [3.0, 4.5, 3.2, 4.4]})
    >>> importance_performance(t)[0]["quadrant"].tolist()
    ['concentrate_here', 'keep_up_the_good_work', 'low_priority', 'possible_overkill']
    """
    check_columns(table, importance, performance, where="the driver table")
    imp = table[importance].astype("float64")
    perf = table[performance].astype("float64")
    if isinstance(thresholds, str):
        if thresholds not in ("mean", "median"):
            raise ValueError(f"thresholds must be 'mean', 'median' or (importance, performance), not {thresholds!r}")
        cuts = (float(getattr(imp, thresholds)()), float(getattr(perf, thresholds)()))
    else:
        if len(thresholds) != 2:
            raise ValueError("thresholds must be a pair (importance, performance)")
        cuts = (float(thresholds[0]), float(thresholds[1]))
    high_i, high_p = imp >= cuts[0], perf >= cuts[1]
    quadrant = np.where(
        high_i,
        np.where(high_p, "keep_up_the_good_work", "concentrate_here"),
        np.where(high_p, "possible_overkill", "low_priority"),
    )
    out = table.copy()
    out["importance"] = imp
    out["quadrant"] = quadrant
    return out, cuts


# -- on a workspace ---------------------------------------------------------------------------------------


def drivers(
    workspace: Workspace | Analytics,
    outcome: str = "overall",
    survey: str | None = None,
    drivers: Sequence[str] | None = None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    importance: str = "lmg",
    thresholds: str | tuple[float, float] = "mean",
    n_boot: int = 0,
    random_state: int | None = 0,
) -> KeyDriverResult:
    """Key-driver analysis of a workspace survey: which dimensions drive ``outcome``.

    Parameters
    ----------
    workspace : Workspace or Analytics
    outcome : str, default "overall"
        The outcome question's code (a numeric question: rating, NPS, CSAT, likert …).
    survey : str, optional
        The survey code. Default: the only survey that has a question coded ``outcome``.
    drivers : sequence of str, optional
        Driver columns: dimension codes (scored as the mean of the dimension's answered items) and/or
        numeric question codes. Default: every dimension of the survey; a survey without dimensions uses
        its other numeric questions.
    start, end : datetime, optional
        Only responses submitted in ``[start, end)``.
    importance, thresholds, n_boot, random_state
        As in :func:`key_drivers`.

    Returns
    -------
    KeyDriverResult
        As :func:`key_drivers`, with ``fit["survey"]`` and ``fit["drivers_from"]`` (``dimensions`` or
        ``questions``) and each driver's ``label`` (``dimension`` or question code) in the table.

    Examples
    --------
    >>> from cxlens.stats import drivers  # doctest: +SKIP
    >>> drivers(ws, "overall", survey="satisfaction_2025").table[["driver", "lmg_pct", "quadrant"]]  # doctest: +SKIP
    """
    code = survey or _survey_with(workspace, outcome)
    questions = survey_questions(workspace, code)
    numeric = questions[questions["type"].isin(NUMERIC_TYPES)]
    if outcome not in set(questions["code"]):
        raise ValueError(
            f"survey {code!r} has no question {outcome!r}; its numeric questions: {', '.join(numeric['code'])}"
        )
    if outcome not in set(numeric["code"]):
        raise ValueError(f"the outcome {outcome!r} of survey {code!r} is not numeric")
    frame = survey_frame(workspace, code, dimensions=True, start=start, end=end)
    dims = list(frame.attrs.get("dimensions", {}).values())
    if drivers is None:
        source = "dimensions" if dims else "questions"
        chosen = dims or [c for c in numeric["columns"].map(lambda cs: cs[0]) if c != outcome]
        if not chosen:
            raise ValueError(
                f"survey {code!r} has no dimensions and no numeric question besides {outcome!r}: nothing can drive it"
            )
    else:
        source = "given"
        chosen = list(drivers)
        unknown = [d for d in chosen if d not in frame.columns]
        if unknown:
            raise ValueError(
                f"unknown driver(s) {', '.join(unknown)} in survey {code!r}; dimensions: {', '.join(dims) or 'none'}; "
                f"numeric questions: {', '.join(numeric['code'])}"
            )
    result = key_drivers(
        frame, outcome, chosen, importance=importance, thresholds=thresholds, n_boot=n_boot, random_state=random_state
    )
    result.fit.update({"survey": code, "drivers_from": source})
    return result


def _survey_with(workspace: Workspace | Analytics, question: str) -> str:
    an = workspace if isinstance(workspace, Analytics) else Analytics.for_workspace(workspace)
    q, s = an.table("questions"), an.table("surveys")
    found = an.execute(q.join(s, q.survey_id == s.id).filter(q.code == question).select(code=s.code))
    codes = sorted(set(found["code"]))
    if len(codes) != 1:
        where = f"surveys {', '.join(codes)} all have" if codes else "no survey has"
        raise ValueError(f"{where} a question {question!r}: name the survey with survey=")
    return str(codes[0])
