"""Linear (OLS) and logistic regression with heteroscedasticity-robust standard errors (statsmodels).

Both return a tidy coefficient table and the fit statistics, and refuse — with a ``ValueError`` naming the
columns — the designs they cannot estimate: fewer rows than parameters + 1, a constant predictor or
outcome, predictors that are exact linear combinations of each other (a singular design), and for the
logistic model an outcome that is not binary or is perfectly separated by the predictors.

Standard errors are **HC3 by default** (MacKinnon & White 1985; Long & Ervin 2000 recommend it for
n < 250): survey scores are rarely homoscedastic. ``cov_type="nonrobust"`` gives the classic ones;
``HC0``–``HC3`` are all available. For OLS statsmodels computes them; for the logistic model statsmodels'
discrete models treat HC1–HC3 as HC0, so cxlens computes the sandwich itself, as R's
``sandwich::vcovHC`` does for a GLM (Zeileis 2004): V = B M B with B = (X′WX)⁻¹,
M = Σ xᵢxᵢ′ (yᵢ − p̂ᵢ)² ωᵢ, ωᵢ = 1, n/(n − k), 1/(1 − hᵢ), 1/(1 − hᵢ)² for HC0–HC3, hᵢ the leverages of
W^½X(X′WX)⁻¹X′W^½.

Categorical predictors (text or ``Categorical`` columns) are dummy-coded against their first level
(``col[T.level]``, as patsy names them). Rows with a missing outcome or predictor are left out.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from cxlens.stats.data import check_columns

__all__ = ["COV_TYPES", "RegressionResult", "logit", "ols"]

COV_TYPES = ("HC3", "HC2", "HC1", "HC0", "nonrobust")


@dataclass(frozen=True)
class RegressionResult:
    """The result of :func:`ols` / :func:`logit`.

    Attributes
    ----------
    coef : pandas.DataFrame
        One row per term (``const`` first): ``term``, ``coef``, ``se``, ``statistic`` (t for OLS, z for
        logit), ``p_val``, ``ci_low``, ``ci_high``; OLS adds ``beta`` (standardized: coef · sd(x)/sd(y))
        and ``vif`` (variance inflation factor); logit adds ``odds_ratio``, ``or_ci_low``, ``or_ci_high``.
    fit : dict
        ``model``, ``dv``, ``n``, ``n_dropped``, ``k`` (parameters), ``cov_type``, and for OLS ``r2``,
        ``adj_r2``, ``f`` and ``f_p_val`` (the Wald F test that every slope is 0, with the chosen standard
        errors), ``rmse``; for logit ``pseudo_r2`` (McFadden), ``llr``, ``llr_p_val``, ``auc``,
        ``success`` (the value modelled as 1); ``aic`` and ``bic`` for both.
    model : object
        The fitted statsmodels results (not serialised by :meth:`to_dict`).
    """

    coef: pd.DataFrame
    fit: dict[str, Any]
    model: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        clean = self.coef.astype(object).where(self.coef.notna(), None)
        fit = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in self.fit.items()}
        return {"fit": fit, "coef": clean.to_dict("records")}


def _design(data: pd.DataFrame, dv: str, ivs: Sequence[str]) -> tuple[pd.Series, pd.DataFrame, int]:
    names = list(dict.fromkeys(ivs))
    if not names:
        raise ValueError("ivs is empty: name at least one predictor")
    if dv in names:
        raise ValueError(f"the outcome {dv!r} cannot also be a predictor")
    check_columns(data, dv, *names)
    sub = data[[dv, *names]].dropna()
    parts = []
    for name in names:
        col = sub[name]
        if isinstance(col.dtype, pd.CategoricalDtype) or not (
            pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        ):
            cat = col.astype("category")
            cat = cat.cat.remove_unused_categories()
            dummies = pd.get_dummies(cat, prefix=name, prefix_sep="[T.", drop_first=True, dtype=float)
            dummies.columns = [f"{c}]" for c in dummies.columns]
            parts.append(dummies)
        else:
            parts.append(col.astype("float64").to_frame(name))
    x = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=sub.index)
    x.insert(0, "const", 1.0)
    return sub[dv], x, len(data) - len(sub)


def _check(y: pd.Series, x: pd.DataFrame, dv: str) -> None:
    n, k = x.shape
    if n < k + 1:
        raise ValueError(
            f"too few complete rows: {n} for {k} parameters (a constant and {k - 1} slopes); "
            f"a regression needs at least {k + 1}"
        )
    constant = [c for c in x.columns[1:] if np.ptp(x[c].to_numpy()) == 0]
    if constant:
        raise ValueError(f"constant predictor(s) {', '.join(map(repr, constant))} among the complete rows: drop them")
    if y.nunique() < 2:
        raise ValueError(f"the outcome {dv!r} is constant among the complete rows: there is nothing to explain")
    values = x.to_numpy()
    rank = np.linalg.matrix_rank(values)
    if rank < k:
        slopes = values[:, 1:] - values[:, 1:].mean(axis=0)
        _, _, vt = np.linalg.svd(slopes / slopes.std(axis=0))
        null = vt[-1]
        involved = [x.columns[1 + i] for i in np.argsort(-np.abs(null)) if abs(null[i]) > 0.1]
        raise ValueError(
            f"singular design (rank {rank} < {k} parameters): {', '.join(involved)} are linearly dependent; "
            "drop one of them (a dummy for every level, or a total next to its parts, does this)"
        )


def _cov(cov_type: str) -> str:
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {', '.join(COV_TYPES)}, not {cov_type!r}")
    return cov_type


def _table(params: np.ndarray, se: np.ndarray, names: list[str], df: float | None, alpha: float) -> pd.DataFrame:
    stat = params / se
    if df is None:
        p = 2 * stats.norm.sf(np.abs(stat))
        crit = stats.norm.ppf(1 - alpha / 2)
    else:
        p = 2 * stats.t.sf(np.abs(stat), df)
        crit = stats.t.ppf(1 - alpha / 2, df)
    return pd.DataFrame(
        {"term": names, "coef": params, "se": se, "statistic": stat, "p_val": p}
        | {"ci_low": params - crit * se, "ci_high": params + crit * se}
    )


def ols(
    data: pd.DataFrame,
    dv: str,
    ivs: Sequence[str],
    *,
    cov_type: str = "HC3",
    weights: str | None = None,
    alpha: float = 0.05,
) -> RegressionResult:
    """Ordinary (or weighted) least squares of ``dv`` on ``ivs`` with robust standard errors.

    Parameters
    ----------
    data : pandas.DataFrame
    dv : str
        Numeric outcome (e.g. ``overall``).
    ivs : sequence of str
        Predictors; text or categorical ones are dummy-coded against their first level.
    cov_type : {"HC3", "HC2", "HC1", "HC0", "nonrobust"}, default "HC3"
        Standard errors (see the module docstring).
    weights : str, optional
        Survey weights: weighted least squares (statsmodels ``WLS``).
    alpha : float, default 0.05
        1 − the confidence level.

    Returns
    -------
    RegressionResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 3.0, 2.0, 5.0, 4.0, 6.0], "x": [1, 2, 3, 4, 5, 6]})
    >>> r = ols(df, "y", ["x"], cov_type="nonrobust")
    >>> r.coef[["term", "coef"]].round(4).values.tolist(), round(r.fit["r2"], 4)
    ([['const', 0.4], ['x', 0.8857]], 0.7845)
    """
    cov = _cov(cov_type)
    y, x, dropped = _design(data, dv, ivs)
    if not pd.api.types.is_numeric_dtype(y):
        raise ValueError(f"the outcome {dv!r} is not numeric; for a binary outcome use logit()")
    y = y.astype("float64")
    _check(y, x, dv)
    if weights is not None:
        check_columns(data, weights)
        w = pd.to_numeric(data.loc[x.index, weights], errors="coerce")
        if w.isna().any() or (w < 0).any():
            raise ValueError(f"weights column {weights!r} must be numeric and ≥ 0 on every complete row")
        model = sm.WLS(y, x, weights=w.to_numpy())
    else:
        model = sm.OLS(y, x)
    res = model.fit(cov_type=cov)
    table = _table(np.asarray(res.params), np.asarray(res.bse), list(x.columns), res.df_resid, alpha)
    sd_y = y.std(ddof=1)
    table["beta"] = [np.nan] + [float(res.params[c] * x[c].std(ddof=1) / sd_y) for c in x.columns[1:]]
    table["vif"] = [np.nan, *_vif(x.iloc[:, 1:].to_numpy())]
    fit = {
        "model": "ols" if weights is None else "wls",
        "dv": dv,
        "n": int(res.nobs),
        "n_dropped": dropped,
        "k": x.shape[1],
        "cov_type": cov,
        "r2": float(res.rsquared),
        "adj_r2": float(res.rsquared_adj),
        "f": float(np.squeeze(res.fvalue)) if x.shape[1] > 1 else float("nan"),
        "f_p_val": float(np.squeeze(res.f_pvalue)) if x.shape[1] > 1 else float("nan"),
        "rmse": float(np.sqrt(res.mse_resid)),
        "aic": float(res.aic),
        "bic": float(res.bic),
    }
    return RegressionResult(table, fit, res)


def _vif(x: np.ndarray) -> list[float]:
    if x.shape[1] == 1:
        return [1.0]
    corr = np.corrcoef(x, rowvar=False)
    return [float(v) for v in np.diag(np.linalg.inv(corr))]


def _binary(y: pd.Series, dv: str, success: Any) -> tuple[np.ndarray, Any]:
    levels = list(y.unique())
    if len(levels) != 2:
        raise ValueError(
            f"logistic regression needs a binary outcome; {dv!r} has {len(levels)} values among complete rows"
        )
    if success is None:
        if isinstance(y.dtype, pd.CategoricalDtype):
            success = [c for c in y.cat.categories if c in levels][-1]
        else:
            try:
                success = max(levels)
            except TypeError:
                success = sorted(map(str, levels))[-1]
    elif success not in levels:
        raise ValueError(f"success={success!r} is not a value of {dv!r}: {levels}")
    return (y == success).to_numpy(dtype=float), (success.item() if isinstance(success, np.generic) else success)


def _sandwich(x: np.ndarray, y: np.ndarray, p: np.ndarray, cov_type: str) -> np.ndarray:
    """The HC0–HC3 sandwich of a logistic regression (module docstring)."""
    n, k = x.shape
    w = p * (1 - p)
    bread = np.linalg.inv(x.T @ (x * w[:, None]))
    if cov_type == "nonrobust":
        return bread
    xw = x * np.sqrt(w)[:, None]
    h = np.einsum("ij,jk,ik->i", xw, bread, xw)
    scale = {"HC0": np.ones(n), "HC1": np.full(n, n / (n - k)), "HC2": 1 / (1 - h), "HC3": 1 / (1 - h) ** 2}[cov_type]
    scores = x * (y - p)[:, None]
    meat = scores.T @ (scores * scale[:, None])
    return np.asarray(bread @ meat @ bread, dtype=np.float64)


def logit(
    data: pd.DataFrame,
    dv: str,
    ivs: Sequence[str],
    *,
    cov_type: str = "HC3",
    success: Any = None,
    alpha: float = 0.05,
) -> RegressionResult:
    """Logistic regression of a binary ``dv`` on ``ivs`` (maximum likelihood) with robust standard errors.

    Parameters
    ----------
    data : pandas.DataFrame
    dv : str
        Binary outcome (0/1, bool, yes/no …); ``success`` is modelled as 1 (default: True, 1, the larger
        value or the last category).
    ivs : sequence of str
        Predictors; text or categorical ones are dummy-coded against their first level.
    cov_type : {"HC3", "HC2", "HC1", "HC0", "nonrobust"}, default "HC3"
    success : optional
    alpha : float, default 0.05

    Returns
    -------
    RegressionResult
        ``fit["auc"]`` is the area under the ROC curve of the fitted probabilities (the Mann–Whitney
        probability that a success scores above a failure).

    Raises
    ------
    ValueError
        As :func:`ols`, plus a non-binary outcome, perfect separation or no convergence.
    """
    cov = _cov(cov_type)
    y_raw, x, dropped = _design(data, dv, ivs)
    _check(y_raw, x, dv)
    y, hit = _binary(y_raw, dv, success)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            res = sm.Logit(y, x).fit(disp=0, maxiter=200)
        except Exception as err:  # PerfectSeparationError / Warning, ConvergenceWarning, LinAlgError
            raise ValueError(
                f"the logistic regression of {dv!r} cannot be estimated: {err}. Perfect separation means a "
                "predictor (or combination) splits the outcome exactly; drop or merge it"
            ) from err
    p = np.asarray(res.predict(x))
    if np.any((p < 1e-10) | (p > 1 - 1e-10)):
        raise ValueError(f"the predictors (quasi-)perfectly separate {dv!r}: fitted probabilities reach 0 or 1")
    vcov = _sandwich(x.to_numpy(), y, p, cov)
    table = _table(np.asarray(res.params), np.sqrt(np.diag(vcov)), list(x.columns), None, alpha)
    table["odds_ratio"] = np.exp(table["coef"])
    table["or_ci_low"], table["or_ci_high"] = np.exp(table["ci_low"]), np.exp(table["ci_high"])
    fit = {
        "model": "logit",
        "dv": dv,
        "success": hit,
        "n": int(res.nobs),
        "n_dropped": dropped,
        "k": x.shape[1],
        "cov_type": cov,
        "pseudo_r2": float(res.prsquared),
        "llr": float(res.llr),
        "llr_p_val": float(res.llr_pvalue),
        "auc": _auc(y, p),
        "aic": float(res.aic),
        "bic": float(res.bic),
    }
    return RegressionResult(table, fit, res)


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    ranks = stats.rankdata(score)
    pos = y == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))
