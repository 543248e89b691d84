"""Compare a metric between groups, with the test chosen from the data and the choice explained.

:func:`compare` looks at the outcome and the groups, checks each assumption, runs the test the checks
allow, and writes its reasoning into ``method_reason`` — like Qualtrics Stats iQ, but every step shown:

=====================  =========  ===========================================================================
outcome                groups     test (and why)
=====================  =========  ===========================================================================
numeric                2          normal enough (every group n ≥ 30, or Shapiro–Wilk p ≥ α) and equal
                                  variances (Brown–Forsythe/Levene p ≥ α) → **Student's t**; normal but
                                  unequal variances → **Welch's t**; not normal → **Mann–Whitney U**
numeric                ≥ 3        the same checks → **one-way ANOVA** / **Welch's ANOVA** /
                                  **Kruskal–Wallis H**; pairwise follow-ups: Student / Welch t-tests or
                                  **Dunn's** test
binary (2 values)      2          **two-proportion z-test** (pooled); **Fisher's exact test** when an
                                  expected count is below 5
binary                 ≥ 3        **χ² test of independence**; pairwise two-proportion z-tests
categorical (> 2)      any        **χ² test of independence** (see :func:`~cxlens.stats.crosstab` for cells)
=====================  =========  ===========================================================================

Effect sizes, each with a 1 − α interval:

* Cohen's d (pooled SD) and Hedges' g = J·d, J = 1 − 3/(4(n₁ + n₂) − 9); the interval of g uses
  SE = √((n₁ + n₂)/(n₁n₂) + g²/(2(n₁ + n₂))) (Hedges & Olkin 1985);
* rank-biserial r = 2U₁/(n₁n₂) − 1 (Kerby 2014; positive when the first group tends higher), interval by
  Fisher's z with SE = √((n₁ + n₂ + 1)/(3n₁n₂));
* η² = F·df₁ / (F·df₁ + df₂), which is SS_between / SS_total for the classic ANOVA and the
  heteroscedasticity-adjusted analogue for Welch's (as R's ``effectsize::F_to_eta2``); interval by inverting
  the noncentral F (λ ↦ λ/(λ + df₁ + df₂ + 1), Steiger 2004);
* ε² = H/(n − 1) for Kruskal–Wallis (Tomczak & Tomczak 2014), bootstrap percentile interval (groups
  resampled separately);
* Cohen's h = 2 asin √p₁ − 2 asin √p₂, interval h ± z √(1/n₁ + 1/n₂); Cramér's V as in
  :mod:`cxlens.stats.crosstab`.

Differences: of means with the t interval of the test used; of proportions with Newcombe's (1998) hybrid
score interval (method 10). Pairwise p-values are adjusted with Holm's (1979) step-down method by default,
or Benjamini–Hochberg's (1995) false discovery rate (``correction="fdr_bh"``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests

from cxlens.metrics.intervals import wilson_interval
from cxlens.stats.crosstab import crosstab
from cxlens.stats.data import check_columns

__all__ = ["METHODS", "CompareResult", "compare", "newcombe_interval", "welch_anova"]

#: every test :func:`compare` can run, by its key
METHODS = {
    "student_t": "Student's t-test",
    "welch_t": "Welch's t-test",
    "mann_whitney": "Mann-Whitney U test",
    "anova": "one-way ANOVA",
    "welch_anova": "Welch's ANOVA",
    "kruskal": "Kruskal-Wallis H test",
    "two_proportion_z": "two-proportion z-test",
    "fisher_exact": "Fisher's exact test",
    "chi2": "chi-square test of independence",
}
_NUMERIC_2 = ("student_t", "welch_t", "mann_whitney")
_NUMERIC_K = ("anova", "welch_anova", "kruskal")
CORRECTIONS = ("holm", "fdr_bh", "bonferroni", "none")


@dataclass(frozen=True)
class CompareResult:
    """The result of :func:`compare`.

    Attributes
    ----------
    test : pandas.DataFrame
        One row: ``dv``, ``between``, ``outcome_kind`` (numeric / binary / categorical), ``method`` (a key of
        :data:`METHODS`), ``test``, ``n``, ``groups``, ``statistic``, ``statistic_name``, ``df1``, ``df2``,
        ``p_val``, ``significant``, ``effect_size_name``, ``effect_size``, ``ci_low``, ``ci_high``,
        ``difference`` (2 groups: first − second), ``diff_ci_low``, ``diff_ci_high`` and ``method_reason``.
    groups : pandas.DataFrame
        Per group: ``n``, ``mean`` (or share in % for a binary outcome), ``sd``, ``median``, ``ci_low``,
        ``ci_high``.
    checks : pandas.DataFrame
        Every assumption check run: ``check``, ``group``, ``statistic``, ``p_val``, ``passed``, ``note``.
    posthoc : pandas.DataFrame
        Pairwise comparisons (3 groups or more): ``a``, ``b``, ``test``, ``statistic``, ``difference``,
        ``diff_ci_low``, ``diff_ci_high``, ``effect_size_name``, ``effect_size``, ``p_unc``, ``p_corr``,
        ``correction``, ``significant``.
    """

    test: pd.DataFrame
    groups: pd.DataFrame
    checks: pd.DataFrame
    posthoc: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain lists and dicts."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return list(frame.astype(object).where(frame.notna(), None).to_dict("records"))

        return {
            "test": records(self.test)[0],
            "groups": records(self.groups),
            "checks": records(self.checks),
            "posthoc": records(self.posthoc),
        }


# -- small closed forms -----------------------------------------------------------------------------------


def newcombe_interval(k1: float, n1: float, k2: float, n2: float, alpha: float = 0.05) -> tuple[float, float]:
    """Newcombe's (1998) hybrid score interval for p₁ − p₂ (his method 10), from Wilson intervals.

    Examples
    --------
    Newcombe's example (56/70 vs 48/80): p₁ − p₂ = 0.2, interval 0.0524 to 0.3339.

    >>> lo, hi = newcombe_interval(56, 70, 48, 80)
    >>> round(lo, 4), round(hi, 4)
    (0.0524, 0.3339)
    """
    z = float(stats.norm.ppf(1 - alpha / 2))
    p1, l1, u1 = (v[0] / 100 for v in wilson_interval([k1], [n1], z))
    p2, l2, u2 = (v[0] / 100 for v in wilson_interval([k2], [n2], z))
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return float(low), float(high)


def welch_anova(samples: list[np.ndarray]) -> tuple[float, float, float, float]:
    """Welch's (1951) heteroscedastic one-way ANOVA: returns (F, df1, df2, p).

    With w_i = n_i / s_i², x̄_w = Σ w_i x̄_i / Σ w_i, A = Σ w_i (x̄_i − x̄_w)² / (k − 1),
    Λ = Σ (1 − w_i / Σw)² / (n_i − 1): F = A / (1 + 2(k − 2)Λ / (k² − 1)), df₂ = (k² − 1) / (3Λ).
    """
    k = len(samples)
    n = np.array([len(s) for s in samples], dtype=float)
    means = np.array([s.mean() for s in samples])
    var = np.array([s.var(ddof=1) for s in samples])
    if np.any(var == 0):
        raise ValueError("Welch's ANOVA needs variation within every group")
    w = n / var
    mw = (w * means).sum() / w.sum()
    a = (w * (means - mw) ** 2).sum() / (k - 1)
    lam = ((1 - w / w.sum()) ** 2 / (n - 1)).sum()
    f = a / (1 + 2 * (k - 2) * lam / (k**2 - 1))
    df2 = (k**2 - 1) / (3 * lam)
    return float(f), float(k - 1), float(df2), float(stats.f.sf(f, k - 1, df2))


def _ncf_bound(f: float, df1: float, df2: float, target: float) -> float:
    """The noncentrality λ with P(F ≤ f; df1, df2, λ) = target (0 when the central F is already below)."""

    def gap(lam: float) -> float:
        return float((stats.ncf.cdf(f, df1, df2, lam) if lam > 0 else stats.f.cdf(f, df1, df2)) - target)

    if gap(0.0) <= 0:
        return 0.0
    hi = max(10.0, f * df1 * 2)
    while gap(hi) > 0:
        hi *= 2
    return float(optimize.brentq(gap, 0.0, hi, xtol=1e-8))


def _eta2_interval(f: float, df1: float, df2: float, alpha: float) -> tuple[float, float]:
    lo, hi = _ncf_bound(f, df1, df2, 1 - alpha / 2), _ncf_bound(f, df1, df2, alpha / 2)
    return lo / (lo + df1 + df2 + 1), hi / (hi + df1 + df2 + 1)


def _hedges(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[float, float, float, float]:
    """(Cohen's d, Hedges' g, g's ci_low, ci_high)."""
    n1, n2 = len(x), len(y)
    pooled = np.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
    d = float((x.mean() - y.mean()) / pooled) if pooled > 0 else float("nan")
    g = d * (1 - 3 / (4 * (n1 + n2) - 9))
    se = np.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
    z = stats.norm.ppf(1 - alpha / 2)
    return d, g, float(g - z * se), float(g + z * se)


def _rank_biserial(u1: float, n1: int, n2: int, alpha: float) -> tuple[float, float, float]:
    r = 2 * u1 / (n1 * n2) - 1
    se = np.sqrt((n1 + n2 + 1) / (3 * n1 * n2))
    z = stats.norm.ppf(1 - alpha / 2)
    zr = np.arctanh(np.clip(r, -0.999999, 0.999999))
    return float(r), float(np.tanh(zr - z * se)), float(np.tanh(zr + z * se))


def _cohen_h(p1: float, p2: float, n1: int, n2: int, alpha: float) -> tuple[float, float, float]:
    h = 2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2))
    half = stats.norm.ppf(1 - alpha / 2) * np.sqrt(1 / n1 + 1 / n2)
    return float(h), float(h - half), float(h + half)


def _mean_diff_interval(x: np.ndarray, y: np.ndarray, equal_var: bool, alpha: float) -> tuple[float, float, float]:
    n1, n2 = len(x), len(y)
    v1, v2 = x.var(ddof=1), y.var(ddof=1)
    if equal_var:
        df = n1 + n2 - 2
        se = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / df * (1 / n1 + 1 / n2))
    else:
        se = np.sqrt(v1 / n1 + v2 / n2)
        df = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    diff = float(x.mean() - y.mean())
    half = float(stats.t.ppf(1 - alpha / 2, df) * se)
    return diff, diff - half, diff + half


# -- the outcome and the groups -----------------------------------------------------------------------------


def _kind(values: pd.Series) -> str:
    distinct = values.dropna().unique()
    if len(distinct) == 2:
        return "binary"
    numeric = pd.api.types.is_numeric_dtype(values) and not isinstance(values.dtype, pd.CategoricalDtype)
    if numeric and not pd.api.types.is_bool_dtype(values):
        return "numeric"
    return "categorical"


def _success(values: pd.Series, success: Any) -> Any:
    levels = list(values.dropna().unique())
    if success is not None:
        if success not in levels:
            raise ValueError(f"success={success!r} is not a value of the outcome; its values are {levels}")
        return success
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if c in levels][-1]
    try:
        return max(levels)
    except TypeError:
        return sorted(map(str, levels))[-1]


def _samples(data: pd.DataFrame, dv: str, between: str) -> tuple[list[Any], list[pd.Series], list[str]]:
    sub = data[[dv, between]].dropna()
    keys = sub[between]
    order = (
        [c for c in keys.cat.categories if (keys == c).any()]
        if isinstance(keys.dtype, pd.CategoricalDtype)
        else sorted(keys.unique(), key=lambda v: (str(type(v)), v))
    )
    groups, series, dropped = [], [], []
    for g in order:
        part = sub.loc[keys == g, dv]
        if len(part) < 2:
            dropped.append(f"{g!s} (n = {len(part)})")
            continue
        groups.append(g)
        series.append(part)
    return groups, series, dropped


# -- the decision ---------------------------------------------------------------------------------------------


def _checks(samples: list[np.ndarray], groups: list[Any], alpha: float) -> tuple[pd.DataFrame, bool, bool]:
    rows = []
    normal = True
    for g, x in zip(groups, samples, strict=True):
        if len(x) >= 30:
            rows.append(("normality", g, np.nan, np.nan, True, "n ≥ 30: the mean is close to normal (CLT)"))
        elif len(x) < 3 or np.ptp(x) == 0:
            rows.append(("normality", g, np.nan, np.nan, False, "too few or identical values to check normality"))
            normal = False
        else:
            w, p = stats.shapiro(x)
            ok = bool(p >= alpha)
            normal &= ok
            rows.append(("normality", g, float(w), float(p), ok, "Shapiro-Wilk W"))
    if all(np.ptp(x) == 0 for x in samples):
        equal, stat, p_lev = True, np.nan, np.nan
        rows.append(("equal_variance", None, stat, p_lev, True, "no variation in any group"))
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            stat, p_lev = stats.levene(*samples, center="median")
        if np.isfinite(p_lev):
            equal = bool(p_lev >= alpha)
            rows.append(("equal_variance", None, float(stat), float(p_lev), equal, "Brown-Forsythe (Levene, median)"))
        else:
            equal = True
            rows.append(("equal_variance", None, np.nan, np.nan, True, "too few answers to test; assumed equal"))
    frame = pd.DataFrame(rows, columns=["check", "group", "statistic", "p_val", "passed", "note"])
    return frame, normal, equal


def _choose(k: int, normal: bool, equal: bool, checks: pd.DataFrame, alpha: float) -> tuple[str, str]:
    small = checks[(checks["check"] == "normality") & ~checks["passed"]]
    if not normal:
        bad = ", ".join(str(g) for g in small["group"])
        why = (
            f"the answers of group(s) {bad} are not normal enough (n < 30 and Shapiro-Wilk p < {alpha}, or too "
            "few distinct values), so a rank-based test compares the distributions instead of the means"
        )
        return ("mann_whitney" if k == 2 else "kruskal"), why
    lev = checks.loc[checks["check"] == "equal_variance", "p_val"].iloc[0]
    base = "every group is large (n ≥ 30) or passes Shapiro-Wilk, so the means can be compared; "
    if equal:
        why = base + f"the variances do not differ (Brown-Forsythe p = {_p(lev)} ≥ {alpha}), so they are pooled"
        return ("student_t" if k == 2 else "anova"), why
    why = base + f"the variances differ (Brown-Forsythe p = {_p(lev)} < {alpha}), so Welch's correction is used"
    return ("welch_t" if k == 2 else "welch_anova"), why


def _p(p: float) -> str:
    return "n/a" if not np.isfinite(p) else (f"{p:.3f}" if p >= 0.001 else f"{p:.1e}")


def compare(
    data: pd.DataFrame,
    dv: str,
    between: str,
    *,
    method: str = "auto",
    alpha: float = 0.05,
    correction: str = "holm",
    success: Any = None,
    n_boot: int = 1000,
    random_state: int | None = 0,
) -> CompareResult:
    """Compare ``dv`` between the groups of ``between`` with the test the data allow (module docstring).

    Parameters
    ----------
    data : pandas.DataFrame
    dv : str
        The outcome: numeric (a score), binary (two values: yes/no, 0/1, promoter or not) or categorical.
    between : str
        The grouping column. Groups with fewer than 2 answers are left out (and named in the reason).
    method : str, default "auto"
        ``auto`` chooses; or force one of :data:`METHODS` that fits the outcome and the number of groups.
    alpha : float, default 0.05
        Level of the checks, the test and the intervals.
    correction : {"holm", "fdr_bh", "bonferroni", "none"}, default "holm"
        Adjustment of the pairwise p-values.
    success : optional
        For a binary outcome, the value counted as a success (default: True, 1, the larger value or the
        last category).
    n_boot : int, default 1000
        Bootstrap resamples for the interval of ε² (Kruskal–Wallis only; 0 = no interval).
    random_state : int, optional
        Seed of that bootstrap.

    Returns
    -------
    CompareResult

    Raises
    ------
    ValueError
        Missing columns, fewer than 2 groups with at least 2 answers, or a forced ``method`` that does not fit.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"score": [5, 6, 7, 8, 9, 1, 2, 3, 4, 5], "g": ["a"] * 5 + ["b"] * 5})
    >>> r = compare(df, "score", "g")
    >>> r.test[["method", "statistic", "df1", "difference"]].round(3).to_dict("records")
    [{'method': 'student_t', 'statistic': 4.0, 'df1': 8.0, 'difference': 4.0}]
    """
    check_columns(data, dv, between)
    if dv == between:
        raise ValueError("dv and between must be two different columns")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {', '.join(CORRECTIONS)}, not {correction!r}")
    if method != "auto" and method not in METHODS:
        raise ValueError(f"method must be 'auto' or one of {', '.join(METHODS)}, not {method!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    kind = _kind(data[dv])
    groups, series, dropped = _samples(data, dv, between)
    if len(groups) < 2:
        raise ValueError(
            f"{dv!r} cannot be compared: {between!r} has {len(groups)} group(s) with at least 2 answers"
            + (f" (too small: {', '.join(dropped)})" if dropped else "")
        )
    note = f" Left out (fewer than 2 answers): {', '.join(dropped)}." if dropped else ""
    context = _Context(dv, between, groups, alpha, correction, note)
    if kind == "numeric":
        return _numeric(context, [s.to_numpy(dtype=float) for s in series], method, n_boot, random_state)
    if kind == "binary":
        hit = _success(data[dv], success)
        return _binary(context, [(s == hit).to_numpy() for s in series], hit, method)
    return _categorical(context, data, method)


@dataclass(frozen=True)
class _Context:
    dv: str
    between: str
    groups: list[Any]
    alpha: float
    correction: str
    note: str

    def row(self, kind: str, method: str, n: int, **values: Any) -> pd.DataFrame:
        base: dict[str, Any] = {
            "dv": self.dv,
            "between": self.between,
            "outcome_kind": kind,
            "method": method,
            "test": METHODS[method],
            "n": n,
            "groups": len(self.groups),
        }
        cols = ["statistic", "statistic_name", "df1", "df2", "p_val", "effect_size_name", "effect_size"]
        cols += ["ci_low", "ci_high", "cohen_d", "difference", "diff_ci_low", "diff_ci_high", "method_reason"]
        base |= {c: values.get(c, np.nan) for c in cols}
        base["significant"] = bool(base["p_val"] < self.alpha) if np.isfinite(base["p_val"]) else False
        base["method_reason"] = str(values["method_reason"]) + self.note
        return pd.DataFrame([base])


def _numeric(ctx: _Context, samples: list[np.ndarray], method: str, n_boot: int, seed: int | None) -> CompareResult:
    k = len(samples)
    checks, normal, equal = _checks(samples, ctx.groups, ctx.alpha)
    allowed = _NUMERIC_2 if k == 2 else _NUMERIC_K
    if method == "auto":
        method, why = _choose(k, normal, equal, checks, ctx.alpha)
    elif method in allowed:
        why = f"{METHODS[method]} was requested (method={method!r}); the checks are shown for reference"
    else:
        raise ValueError(f"a numeric outcome with {k} groups takes one of {', '.join(allowed)}, not {method!r}")
    groups = _numeric_groups(ctx, samples)
    n = int(sum(len(x) for x in samples))
    if k == 2:
        values = _two_numeric(samples[0], samples[1], method, ctx.alpha)
        values["method_reason"] = (
            why
            + f". Difference = {ctx.groups[0]!s} − {ctx.groups[1]!s}"
            + (" (means)." if method != "mann_whitney" else " (medians).")
        )
        return CompareResult(ctx.row("numeric", method, n, **values), groups, checks)
    values = _k_numeric(samples, method, ctx.alpha, n_boot, seed)
    values["method_reason"] = why + "."
    posthoc = _pairwise_numeric(ctx, samples, method)
    return CompareResult(ctx.row("numeric", method, n, **values), groups, checks, posthoc)


def _numeric_groups(ctx: _Context, samples: list[np.ndarray]) -> pd.DataFrame:
    rows = []
    for g, x in zip(ctx.groups, samples, strict=True):
        n, mean, sd = len(x), float(x.mean()), float(x.std(ddof=1))
        half = float(stats.t.ppf(1 - ctx.alpha / 2, n - 1) * sd / np.sqrt(n))
        rows.append({ctx.between: g, "n": n, "mean": mean, "sd": sd, "median": float(np.median(x))})
        rows[-1] |= {"ci_low": mean - half, "ci_high": mean + half}
    return pd.DataFrame(rows)


def _two_numeric(x: np.ndarray, y: np.ndarray, method: str, alpha: float) -> dict[str, Any]:
    if method == "mann_whitney":
        u1, p = stats.mannwhitneyu(x, y, alternative="two-sided")
        r, lo, hi = _rank_biserial(float(u1), len(x), len(y), alpha)
        return {
            "statistic": float(u1),
            "statistic_name": "U",
            "p_val": float(p),
            "effect_size_name": "rank_biserial",
            "effect_size": r,
            "ci_low": lo,
            "ci_high": hi,
            "difference": float(np.median(x) - np.median(y)),
        }
    equal = method == "student_t"
    t, p = stats.ttest_ind(x, y, equal_var=equal)
    diff, dlo, dhi = _mean_diff_interval(x, y, equal, alpha)
    v1, v2, n1, n2 = x.var(ddof=1), y.var(ddof=1), len(x), len(y)
    df = n1 + n2 - 2 if equal else (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    d, g, glo, ghi = _hedges(x, y, alpha)
    return {
        "statistic": float(t),
        "statistic_name": "t",
        "df1": float(df),
        "p_val": float(p),
        "effect_size_name": "hedges_g",
        "effect_size": g,
        "ci_low": glo,
        "ci_high": ghi,
        "cohen_d": d,
        "difference": diff,
        "diff_ci_low": dlo,
        "diff_ci_high": dhi,
    }


def _k_numeric(samples: list[np.ndarray], method: str, alpha: float, n_boot: int, seed: int | None) -> dict[str, Any]:
    k, n = len(samples), sum(len(x) for x in samples)
    if method == "kruskal":
        h, p = stats.kruskal(*samples)
        eps = float(h / (n - 1))
        lo, hi = _epsilon2_interval(samples, alpha, n_boot, seed)
        return {"statistic": float(h), "statistic_name": "H", "df1": float(k - 1), "p_val": float(p)} | {
            "effect_size_name": "epsilon_squared",
            "effect_size": eps,
            "ci_low": lo,
            "ci_high": hi,
        }
    if method == "anova":
        f, p = stats.f_oneway(*samples)
        df1, df2 = float(k - 1), float(n - k)
    else:
        f, df1, df2, p = welch_anova(samples)
    lo, hi = _eta2_interval(float(f), df1, df2, alpha)
    return {"statistic": float(f), "statistic_name": "F", "df1": df1, "df2": df2, "p_val": float(p)} | {
        "effect_size_name": "eta_squared",
        "effect_size": float(f * df1 / (f * df1 + df2)),
        "ci_low": lo,
        "ci_high": hi,
    }


def _epsilon2_interval(samples: list[np.ndarray], alpha: float, n_boot: int, seed: int | None) -> tuple[float, float]:
    if n_boot <= 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    n = sum(len(x) for x in samples)
    values = np.empty(n_boot)
    for b in range(n_boot):
        resampled = [x[rng.integers(0, len(x), len(x))] for x in samples]
        if np.ptp(np.concatenate(resampled)) == 0:
            values[b] = 0.0
            continue
        values[b] = stats.kruskal(*resampled)[0] / (n - 1)
    lo, hi = np.percentile(values, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)


def _adjust(p: np.ndarray, correction: str) -> np.ndarray:
    if correction == "none" or len(p) == 0:
        return p
    return np.asarray(multipletests(p, method=correction)[1])


def _pairwise_numeric(ctx: _Context, samples: list[np.ndarray], method: str) -> pd.DataFrame:
    rows = []
    if method == "kruskal":
        return _dunn(ctx, samples)
    pair_method = "student_t" if method == "anova" else "welch_t"
    for (i, a), (j, b) in itertools.combinations(enumerate(ctx.groups), 2):
        v = _two_numeric(samples[i], samples[j], pair_method, ctx.alpha)
        rows.append(
            {"a": a, "b": b, "test": METHODS[pair_method], "statistic": v["statistic"], "difference": v["difference"]}
            | {"diff_ci_low": v["diff_ci_low"], "diff_ci_high": v["diff_ci_high"]}
            | {"effect_size_name": "hedges_g", "effect_size": v["effect_size"], "p_unc": v["p_val"]}
        )
    return _finish_pairs(ctx, rows)


def _dunn(ctx: _Context, samples: list[np.ndarray]) -> pd.DataFrame:
    """Dunn's (1964) test on the pooled ranks, with the tie correction."""
    allx = np.concatenate(samples)
    ranks = stats.rankdata(allx)
    n = len(allx)
    _, ties = np.unique(allx, return_counts=True)
    tie = (ties**3 - ties).sum() / (12 * (n - 1))
    bounds = np.cumsum([0, *[len(x) for x in samples]])
    mean_rank = [ranks[bounds[i] : bounds[i + 1]].mean() for i in range(len(samples))]
    rows = []
    for (i, a), (j, b) in itertools.combinations(enumerate(ctx.groups), 2):
        ni, nj = len(samples[i]), len(samples[j])
        se = np.sqrt((n * (n + 1) / 12 - tie) * (1 / ni + 1 / nj))
        z = (mean_rank[i] - mean_rank[j]) / se if se > 0 else 0.0
        u1 = stats.mannwhitneyu(samples[i], samples[j], alternative="two-sided")[0]
        r, _, _ = _rank_biserial(float(u1), ni, nj, ctx.alpha)
        rows.append(
            {"a": a, "b": b, "test": "Dunn's test", "statistic": float(z)}
            | {"difference": float(np.median(samples[i]) - np.median(samples[j]))}
            | {"diff_ci_low": np.nan, "diff_ci_high": np.nan, "effect_size_name": "rank_biserial"}
            | {"effect_size": r, "p_unc": float(2 * stats.norm.sf(abs(z)))}
        )
    return _finish_pairs(ctx, rows)


def _finish_pairs(ctx: _Context, rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["p_corr"] = _adjust(frame["p_unc"].to_numpy(), ctx.correction)
    frame["correction"] = ctx.correction
    frame["significant"] = frame["p_corr"] < ctx.alpha
    return frame


# -- binary and categorical outcomes ------------------------------------------------------------------------


def _binary(ctx: _Context, hits: list[np.ndarray], success: Any, method: str) -> CompareResult:
    k = len(hits)
    n = int(sum(len(h) for h in hits))
    groups = _share_groups(ctx, hits)
    allowed = ("two_proportion_z", "fisher_exact") if k == 2 else ("chi2",)
    table = np.array([[h.sum(), len(h) - h.sum()] for h in hits], dtype=float)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    checks = pd.DataFrame(
        [
            (
                "expected_counts",
                None,
                float(expected.min()),
                np.nan,
                bool(expected.min() >= 5),
                "smallest expected count",
            )
        ],
        columns=["check", "group", "statistic", "p_val", "passed", "note"],
    )
    if method == "auto":
        method = ("two_proportion_z" if expected.min() >= 5 else "fisher_exact") if k == 2 else "chi2"
        why = f"the outcome has two values, so the share of {_show(success)} is compared" + (
            "; every expected count is at least 5, so the normal approximation holds"
            if expected.min() >= 5
            else f"; the smallest expected count is {expected.min():.1f} (< 5), so an exact test is used"
            if k == 2
            else f"; the smallest expected count is {expected.min():.1f} (< 5): the chi-square p-value is approximate"
        )
    elif method in allowed:
        why = f"{METHODS[method]} was requested (method={method!r})"
    else:
        raise ValueError(f"a binary outcome with {k} groups takes one of {', '.join(allowed)}, not {method!r}")
    if k == 2:
        values = _two_shares(table, method, ctx.alpha)
        values["method_reason"] = why + f". Difference = share in {ctx.groups[0]!s} − share in {ctx.groups[1]!s}."
        return CompareResult(ctx.row("binary", method, n, **values), groups, checks)
    values = _chi2(table, ctx.alpha)
    values["method_reason"] = why + "."
    posthoc = _pairwise_shares(ctx, table)
    return CompareResult(ctx.row("binary", "chi2", n, **values), groups, checks, posthoc)


def _show(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _share_groups(ctx: _Context, hits: list[np.ndarray]) -> pd.DataFrame:
    rows = []
    for g, h in zip(ctx.groups, hits, strict=True):
        share, lo, hi = wilson_interval([h.sum()], [len(h)], float(stats.norm.ppf(1 - ctx.alpha / 2)))
        rows.append({ctx.between: g, "n": len(h), "successes": int(h.sum()), "mean": float(share[0])})
        rows[-1] |= {"sd": np.nan, "median": np.nan, "ci_low": float(lo[0]), "ci_high": float(hi[0])}
    return pd.DataFrame(rows)


def _two_shares(table: np.ndarray, method: str, alpha: float) -> dict[str, Any]:
    (k1, f1), (k2, f2) = table
    n1, n2 = k1 + f1, k2 + f2
    p1, p2 = k1 / n1, k2 / n2
    pooled = (k1 + k2) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (p1 - p2) / se if se > 0 else 0.0
    p = float(2 * stats.norm.sf(abs(z)))
    stat, name = float(z), "z"
    if method == "fisher_exact":
        stat, p = (float(v) for v in stats.fisher_exact(table.astype(int)))
        name = "odds_ratio"
    h, hlo, hhi = _cohen_h(p1, p2, int(n1), int(n2), alpha)
    dlo, dhi = newcombe_interval(k1, n1, k2, n2, alpha)
    return {
        "statistic": stat,
        "statistic_name": name,
        "p_val": p,
        "effect_size_name": "cohen_h",
        "effect_size": h,
        "ci_low": hlo,
        "ci_high": hhi,
        "difference": 100 * (p1 - p2),
        "diff_ci_low": 100 * dlo,
        "diff_ci_high": 100 * dhi,
    }


def _chi2(table: np.ndarray, alpha: float) -> dict[str, Any]:
    frame = pd.DataFrame(
        {"g": np.repeat(np.arange(len(table)), 2), "y": np.tile([1, 0], len(table)), "w": table.ravel()}
    )
    result = crosstab(frame, "g", "y", weights="w", alpha=alpha).test.iloc[0]
    return {
        "statistic": float(result["chi2"]),
        "statistic_name": "chi2",
        "df1": float(result["dof"]),
        "p_val": float(result["p_val"]),
        "effect_size_name": "cramers_v",
        "effect_size": float(result["cramers_v"]),
        "ci_low": float(result["ci_low"]),
        "ci_high": float(result["ci_high"]),
    }


def _pairwise_shares(ctx: _Context, table: np.ndarray) -> pd.DataFrame:
    rows = []
    for (i, a), (j, b) in itertools.combinations(enumerate(ctx.groups), 2):
        v = _two_shares(table[[i, j]], "two_proportion_z", ctx.alpha)
        rows.append(
            {"a": a, "b": b, "test": METHODS["two_proportion_z"], "statistic": v["statistic"]}
            | {"difference": v["difference"], "diff_ci_low": v["diff_ci_low"], "diff_ci_high": v["diff_ci_high"]}
            | {"effect_size_name": "cohen_h", "effect_size": v["effect_size"], "p_unc": v["p_val"]}
        )
    return _finish_pairs(ctx, rows)


def _categorical(ctx: _Context, data: pd.DataFrame, method: str) -> CompareResult:
    if method not in ("auto", "chi2"):
        raise ValueError(f"a categorical outcome takes the chi2 test, not {method!r}")
    sub = data[data[ctx.between].isin(ctx.groups)]
    result = crosstab(sub, ctx.between, ctx.dv, alpha=ctx.alpha)
    t = result.test.iloc[0]
    why = (
        f"the outcome has {sub[ctx.dv].nunique()} unordered values, so its distribution is compared across groups; "
        "crosstab() shows which cells differ (adjusted residuals)"
    )
    if t["warning"]:
        why += f"; note: {t['warning']}"
    values = {
        "statistic": float(t["chi2"]),
        "statistic_name": "chi2",
        "df1": float(t["dof"]),
        "p_val": float(t["p_val"]),
        "effect_size_name": "cramers_v",
        "effect_size": float(t["cramers_v"]),
        "ci_low": float(t["ci_low"]),
        "ci_high": float(t["ci_high"]),
        "method_reason": why + ".",
    }
    counts = sub.groupby(ctx.between, observed=True)[ctx.dv].agg(["size", lambda s: s.mode().iloc[0]])
    groups = pd.DataFrame({ctx.between: counts.index, "n": counts["size"].to_numpy(), "mode": counts.iloc[:, 1]})
    checks = pd.DataFrame(
        [("expected_counts", None, float(t["min_expected"]), np.nan, t["warning"] is None, "smallest expected count")],
        columns=["check", "group", "statistic", "p_val", "passed", "note"],
    )
    return CompareResult(ctx.row("categorical", "chi2", int(t["n"]), **values), groups.reset_index(drop=True), checks)
