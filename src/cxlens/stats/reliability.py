"""Questionnaire quality: internal consistency (Cronbach's α with Feldt's interval, α if an item is deleted,
corrected item–total correlations), sampling adequacy (Kaiser–Meyer–Olkin) and Bartlett's test of sphericity,
response rates with non-response warnings, and the representativeness of respondents against the customer
base (χ² goodness of fit with per-category residuals).

Every function takes a pandas DataFrame (one row per respondent; :func:`cxlens.stats.survey_frame` builds one
from a workspace) and returns a tidy DataFrame or, for a single statistic, a one-row DataFrame, with ``n``
and, where one exists, a confidence interval and a p-value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = [
    "bartlett_sphericity",
    "cronbach_alpha",
    "item_analysis",
    "kmo",
    "questionnaire_quality",
    "representativeness",
    "response_rate",
]

NAN_POLICIES = ("pairwise", "listwise")


def _alpha_from_cov(C: np.ndarray) -> float:
    """α = k/(k−1) · (1 − tr(C) / ΣC) for a k × k item covariance (or correlation) matrix."""
    k = C.shape[0]
    return float(k / (k - 1) * (1 - np.trace(C) / C.sum()))


def _wide(
    data: pd.DataFrame,
    items: Sequence[str] | str | None,
    scores: str | None,
    subject: str | None,
) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if scores is not None or subject is not None:
        if not (isinstance(items, str) and scores and subject):
            raise ValueError("long format needs items=, scores= and subject= (column names); wide format none of them")
        missing = [c for c in (items, scores, subject) if c not in data.columns]
        if missing:
            raise ValueError(f"column(s) not in data: {', '.join(missing)}")
        if data.duplicated([subject, items]).any():
            raise ValueError(f"long data has repeated ({subject}, {items}) pairs: one score per subject and item")
        return data.pivot(index=subject, columns=items, values=scores)
    if items is not None:
        cols = [items] if isinstance(items, str) else list(items)
        missing = [c for c in cols if c not in data.columns]
        if missing:
            raise ValueError(f"item column(s) not in data: {', '.join(missing)}")
        return data[cols]
    return data


def _numeric(frame: pd.DataFrame, nan_policy: str, min_items: int, what: str) -> pd.DataFrame:
    if nan_policy not in NAN_POLICIES:
        raise ValueError(f"nan_policy must be 'pairwise' or 'listwise', not {nan_policy!r}")
    bad = [str(c) for c in frame.columns if frame[c].dtype.kind not in "biuf"]
    if bad:
        raise ValueError(f"{what}: item column(s) {', '.join(bad)} are not numeric")
    if frame.shape[1] < min_items:
        raise ValueError(f"{what} needs at least {min_items} items; got {frame.shape[1]}")
    frame = frame.astype(float)
    if nan_policy == "listwise":
        frame = frame.dropna(how="any")
    if len(frame) < 3:
        raise ValueError(f"{what} needs at least 3 respondents; {len(frame)} usable ({nan_policy} deletion)")
    sd = frame.std(ddof=1)
    const = [str(c) for c in frame.columns if not sd[c] > 0]
    if const:
        raise ValueError(f"{what}: item(s) {', '.join(const)} are constant (variance 0); drop them first")
    return frame


def cronbach_alpha(
    data: pd.DataFrame,
    items: Sequence[str] | str | None = None,
    scores: str | None = None,
    subject: str | None = None,
    *,
    nan_policy: str = "pairwise",
    ci: float = 0.95,
) -> pd.DataFrame:
    """Cronbach's α of a scale, with Feldt's confidence interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide (one column per item, one row per respondent) or long format.
    items : str or sequence of str, optional
        Wide: the item columns (default: every column). Long: the column holding the item names.
    scores, subject : str, optional
        Long format only: the columns with the score and the respondent id.
    nan_policy : {"pairwise", "listwise"}
        ``pairwise`` estimates each covariance from the rows where both items are present
        (:meth:`pandas.DataFrame.cov`); ``listwise`` drops every row with a missing item first.
    ci : float
        Coverage of the interval.

    Returns
    -------
    pandas.DataFrame
        One row: ``alpha``, ``n`` (respondents; after listwise deletion), ``k`` (items), ``ci_low``,
        ``ci_high``, ``nan_policy``.

    Notes
    -----
    ``α = k/(k−1) · (1 − Σ σ²_i / σ²_X)`` with ``σ²_X = Σ_ij C_ij`` the variance of the total score
    (Cronbach 1951). Feldt's interval (Feldt, Woodruff & Salih 1987, Appl. Psych. Meas. 11(1)):
    ``[1 − (1−α)·F_{1−γ/2}(n−1, (n−1)(k−1)), 1 − (1−α)·F_{γ/2}(n−1, (n−1)(k−1))]`` for ``γ = 1 − ci``.
    Same definition and interval as ``pingouin.cronbach_alpha`` 0.7 (whose ``n`` is also the number of
    respondents after listwise deletion) and ``psych::alpha``. Needs at least 2 items (3 or more for a
    meaningful α; :func:`item_analysis` needs 3) and non-constant items.

    Examples
    --------
    pingouin's documented values on its two data sets (tests/external/test_stats_reliability.py):
    ``cronbach_wide_missing`` pairwise α = 0.7327 [0.435, 0.909], listwise α = 0.8017 [0.533, 0.947];
    the long-format ``cronbach_alpha`` α = 0.5917 [0.195, 0.840].

    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> round(float(cronbach_alpha(df).alpha.iloc[0]), 4)
    0.9538
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), not {ci}")
    frame = _numeric(_wide(data, items, scores, subject), nan_policy, 2, "Cronbach's alpha")
    n, k = frame.shape
    C = frame.cov().to_numpy()
    if np.isnan(C).any():
        raise ValueError("Cronbach's alpha: some item pairs are never answered together; the covariance is undefined")
    alpha = _alpha_from_cov(C)
    g = 1 - ci
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return pd.DataFrame(
        {
            "alpha": [alpha],
            "n": [n],
            "k": [k],
            "ci_low": [1 - (1 - alpha) * sps.f.isf(g / 2, df1, df2)],
            "ci_high": [1 - (1 - alpha) * sps.f.isf(1 - g / 2, df1, df2)],
            "nan_policy": [nan_policy],
        }
    )


def item_analysis(
    data: pd.DataFrame,
    dimensions: Mapping[str, Sequence[str]] | None = None,
    *,
    nan_policy: str = "pairwise",
) -> pd.DataFrame:
    """Per item of each dimension: mean, sd, corrected item–total correlation and α if the item is deleted.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide: one column per item.
    dimensions : mapping dimension → item columns, optional
        Default: one dimension ``"scale"`` made of every column.
    nan_policy : {"pairwise", "listwise"}
        As in :func:`cronbach_alpha`.

    Returns
    -------
    pandas.DataFrame
        One row per (dimension, item): ``dimension``, ``item``, ``n`` (answers to the item), ``mean``, ``sd``,
        ``item_total_r`` (the corrected item–total correlation: Pearson r of the item with the sum of the
        *other* items of its dimension, from the covariance matrix), ``alpha_if_deleted``, ``alpha`` (the
        dimension's α), ``flag`` (``"weak"`` when r < 0.3 — Nunnally & Bernstein 1994 — ``"raises_alpha"`` when
        deleting the item raises α, else empty). A dimension needs 3 items (α of the remaining 2 must exist).
    """
    dims = dict(dimensions) if dimensions is not None else {"scale": list(data.columns)}
    rows: list[dict[str, Any]] = []
    for dim, cols in dims.items():
        frame = _numeric(_wide(data, list(cols), None, None), nan_policy, 3, f"item analysis of {dim!r}")
        C = frame.cov().to_numpy()
        alpha = _alpha_from_cov(C)
        for i, item in enumerate(frame.columns):
            rest = [j for j in range(len(C)) if j != i]
            cov_rest = C[i, rest].sum()
            var_rest = C[np.ix_(rest, rest)].sum()
            r = cov_rest / np.sqrt(C[i, i] * var_rest)
            a_del = _alpha_from_cov(C[np.ix_(rest, rest)])
            flag = "weak" if r < 0.3 else ("raises_alpha" if a_del > alpha else "")
            rows.append(
                {
                    "dimension": dim,
                    "item": item,
                    "n": int(frame[item].notna().sum()),
                    "mean": float(frame[item].mean()),
                    "sd": float(frame[item].std(ddof=1)),
                    "item_total_r": float(r),
                    "alpha_if_deleted": a_del,
                    "alpha": alpha,
                    "flag": flag,
                }
            )
    return pd.DataFrame(rows)


def _corr(data: pd.DataFrame, what: str, nan_policy: str = "listwise") -> tuple[np.ndarray, int, list[str]]:
    frame = _numeric(data, nan_policy, 3, what)
    R = frame.corr().to_numpy()
    if np.isnan(R).any():
        raise ValueError(f"{what}: some item pairs are never answered together")
    det = np.linalg.det(R)
    if not det > 1e-12 or np.linalg.cond(R) > 1e12:
        raise ValueError(
            f"{what}: the correlation matrix is singular (determinant {det:.3g}); some items are exact linear "
            "combinations of others (duplicated items, or more items than respondents)"
        )
    return R, len(frame), [str(c) for c in frame.columns]


def kmo(data: pd.DataFrame, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Kaiser–Meyer–Olkin measure of sampling adequacy, overall and per item.

    ``KMO = Σ_{i≠j} r²_ij / (Σ_{i≠j} r²_ij + Σ_{i≠j} p²_ij)`` where ``p_ij`` are the partial (anti-image)
    correlations ``−S_ij / √(S_ii S_jj)`` for ``S = R⁻¹`` (Kaiser 1970; Kaiser & Rice 1974). The per-item MSA
    restricts both sums to row ``i``. Kaiser's labels: ≥ 0.9 marvelous, 0.8 meritorious, 0.7 middling,
    0.6 mediocre, 0.5 miserable, below unacceptable. Listwise deletion of missing answers.

    Returns
    -------
    pandas.DataFrame
        Rows ``item`` = each item then ``"overall"``; columns ``kmo``, ``label``, ``n``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0); f = rng.normal(size=(300, 1))
    >>> df = pd.DataFrame(f + 0.6 * rng.normal(size=(300, 4)), columns=list("abcd"))
    >>> float(kmo(df).set_index("item").kmo["(all items)"]) > 0.8
    True
    """
    R, n, names = _corr(data if items is None else data[list(items)], "KMO")
    S = np.linalg.inv(R)
    d = np.sqrt(np.diag(S))
    P = -S / np.outer(d, d)
    off = ~np.eye(len(R), dtype=bool)
    r2, p2 = np.where(off, R**2, 0), np.where(off, P**2, 0)
    per = r2.sum(axis=1) / (r2.sum(axis=1) + p2.sum(axis=1))
    overall = r2.sum() / (r2.sum() + p2.sum())
    values = [*per, overall]
    return pd.DataFrame({"item": [*names, "(all items)"], "kmo": values, "label": [_kaiser(v) for v in values], "n": n})


def _kaiser(v: float) -> str:
    for bound, name in (
        (0.9, "marvelous"),
        (0.8, "meritorious"),
        (0.7, "middling"),
        (0.6, "mediocre"),
        (0.5, "miserable"),
    ):
        if v >= bound:
            return name
    return "unacceptable"


def bartlett_sphericity(data: pd.DataFrame, items: Sequence[str] | None = None) -> pd.DataFrame:
    """Bartlett's test that the item correlation matrix is the identity (nothing to factor).

    ``χ² = −(n − 1 − (2p + 5)/6) · ln|R|`` on ``p(p − 1)/2`` degrees of freedom (Bartlett 1950, Br. J. Stat.
    Psych. 3(2)). A small p-value says the items correlate enough for a factor analysis. Listwise deletion.

    Returns
    -------
    pandas.DataFrame
        One row: ``chi2``, ``dof``, ``p_val``, ``n``, ``p`` (items).
    """
    R, n, names = _corr(data if items is None else data[list(items)], "Bartlett's test")
    p = len(names)
    chi2 = -(n - 1 - (2 * p + 5) / 6) * np.log(np.linalg.det(R))
    dof = p * (p - 1) // 2
    return pd.DataFrame({"chi2": [chi2], "dof": [dof], "p_val": [sps.chi2.sf(chi2, dof)], "n": [n], "p": [p]})


def response_rate(
    responded: int,
    invited: int,
    *,
    basis: str = "invitations",
    ci: float = 0.95,
    low: float = 0.10,
    min_responses: int = 30,
) -> pd.DataFrame:
    """Response rate with its Wilson interval and non-response warnings.

    Parameters
    ----------
    responded, invited : int
        Responses received, and the denominator: invitations sent when the data has them (``basis=
        "invitations"``), otherwise the customers who could have answered (``basis="customers"``: a
        coverage rate, not a response rate — the label says which).
    low : float
        Warn below this rate (default 10 %, a common floor for relationship surveys).
    min_responses : int
        Warn below this many responses (estimates of a proportion then have a margin above ±18 points).

    Returns
    -------
    pandas.DataFrame
        One row: ``basis``, ``responded``, ``invited``, ``rate``, ``ci_low``, ``ci_high`` (Wilson score
        interval), ``non_response`` (1 − rate), ``warnings`` (a "; "-joined text, empty when none).
    """
    if invited <= 0:
        raise ValueError(f"the denominator ({basis}) must be positive, got {invited}")
    if not responded >= 0:
        raise ValueError(f"responded must be ≥ 0, got {responded}")
    warnings = []
    if responded > invited:
        warnings.append(f"more responses ({responded}) than {basis} ({invited}): the denominator is incomplete")
    rate = responded / invited
    z = sps.norm.isf((1 - ci) / 2)
    p, n = min(rate, 1.0), invited
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    if rate < low:
        warnings.append(
            f"response rate {rate:.1%} is below {low:.0%}: non-response bias is likely; compare respondents with "
            "the customer base (representativeness)"
        )
    if responded < min_responses:
        warnings.append(f"only {responded} responses (< {min_responses}): proportions have wide intervals")
    return pd.DataFrame(
        {
            "basis": [basis],
            "responded": [responded],
            "invited": [invited],
            "rate": [rate],
            "ci_low": [max(0.0, centre - half)],
            "ci_high": [min(1.0, centre + half)],
            "non_response": [max(0.0, 1 - rate)],
            "warnings": ["; ".join(warnings)],
        }
    )


def representativeness(
    respondents: pd.Series | Sequence[Any],
    population: pd.Series | Sequence[Any] | Mapping[Any, float],
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Do respondents look like the customer base on one attribute? χ² goodness of fit.

    Parameters
    ----------
    respondents : Series or sequence
        The attribute's value for each respondent (e.g. region). Missing values are dropped.
    population : Series / sequence of values, or mapping category → share or count
        The customer base: one value per customer, or the known distribution.
    alpha : float
        Level at which a cell's adjusted residual is flagged (|r| > z_{1−α/2}, two-sided).

    Returns
    -------
    pandas.DataFrame
        One row per category: ``category``, ``observed``, ``expected`` (n × population share),
        ``observed_pct``, ``population_pct``, ``residual`` (Pearson (O − E)/√E), ``adj_residual`` ((O − E)
        / √(E(1 − p)), standard normal under H₀; Agresti 2013 §2.4.5), ``flag`` (``"over"``/``"under"``/
        ``""``); and the test repeated on each row: ``chi2``, ``dof``, ``p_val``, ``n``, ``cramers_v``
        (effect size √(χ²/(n(k−1)))). Refuses categories with a population share of 0 that respondents have,
        and warns in ``note`` when an expected count is below 5 (Cochran 1954).
    """
    obs = pd.Series(respondents).dropna().astype(str).value_counts()
    if isinstance(population, Mapping):
        pop = pd.Series({str(k): float(v) for k, v in population.items()})
    else:
        pop = pd.Series(population).dropna().astype(str).value_counts().astype(float)
    if (pop < 0).any() or pop.sum() <= 0:
        raise ValueError("population shares or counts must be non-negative and not all 0")
    share = pop / pop.sum()
    stray = sorted(set(obs.index) - set(share[share > 0].index))
    if stray:
        raise ValueError(f"respondent categories absent from the population: {', '.join(stray)}")
    n = int(obs.sum())
    if n == 0:
        raise ValueError("no respondents with a value for this attribute")
    if len(share) < 2:
        raise ValueError("the population has a single category; nothing to compare")
    cats = list(share.index)
    o = obs.reindex(cats, fill_value=0).to_numpy(float)
    e = n * share.to_numpy()
    chi2 = float(((o - e) ** 2 / e).sum())
    dof = len(cats) - 1
    adj = (o - e) / np.sqrt(e * (1 - share.to_numpy()))
    zc = sps.norm.isf(alpha / 2)
    note = "expected count below 5 in some category: the χ² approximation is rough" if (e < 5).any() else ""
    return pd.DataFrame(
        {
            "category": cats,
            "observed": o.astype(int),
            "expected": e,
            "observed_pct": o / n,
            "population_pct": share.to_numpy(),
            "residual": (o - e) / np.sqrt(e),
            "adj_residual": adj,
            "flag": np.where(adj > zc, "over", np.where(adj < -zc, "under", "")),
            "chi2": chi2,
            "dof": dof,
            "p_val": float(sps.chi2.sf(chi2, dof)),
            "n": n,
            "cramers_v": float(np.sqrt(chi2 / (n * dof))),
            "note": note,
        }
    )


# ------------------------------------------------------------------------------------------ on a workspace
def _dimension_items(questions: pd.DataFrame) -> dict[str, list[str]]:
    from cxlens.stats.data import NUMERIC_TYPES

    numeric = questions[questions["type"].isin(NUMERIC_TYPES) & questions["dimension"].notna()]
    return {str(d): [c[0] for c in g["columns"]] for d, g in numeric.groupby("dimension", sort=False)}


def _invitations(an: Any, survey: str) -> tuple[int, int] | None:
    """(invited, responded) from the survey's invitations, or None when it has none (or no such table)."""
    try:
        inv, ver, s = an.table("invitations"), an.table("survey_versions"), an.table("surveys")
    except Exception:  # an older workspace without survey distribution tables
        return None
    sid = s.filter(s.code == survey).select(s.id)
    forms = ver.filter(ver.survey_id.isin(sid.id)).select(ver.form_id).distinct()
    mine = inv.filter(inv.form_id.isin(forms.form_id))
    counts = an.execute(mine.aggregate(invited=mine.count(), responded=mine.response_id.notnull().sum()))
    invited = int(counts["invited"].iloc[0] or 0)
    return (invited, int(counts["responded"].iloc[0] or 0)) if invited else None


def _population(an: Any, attribute: str) -> pd.Series:
    c = an.table("customers")
    if attribute in ("segment", "region", "industry"):
        return an.execute(c.select(value=c[attribute]))["value"]
    k, a = an.table("customer_attribute_keys"), an.table("customer_attributes")
    keys = an.execute(k.filter(k.key == attribute))
    if keys.empty:
        raise ValueError(f"unknown customer attribute {attribute!r}; use segment, region, industry or an attribute key")
    col = {"number": "value_number", "date": "value_date"}.get(str(keys["data_type"].iloc[0]), "value_text")
    return an.execute(a.filter(a.key_id == int(keys["id"].iloc[0])).select(value=a[col]))["value"]


def questionnaire_quality(source: Any, survey: str, *, by: str | None = "region") -> dict[str, Any]:
    """Every questionnaire-quality check of a workspace survey in one call.

    Returns a dict: ``alpha`` (one row per dimension with α and Feldt's interval, pairwise), ``items``
    (:func:`item_analysis` of dimensions with ≥ 3 items), ``kmo`` and ``bartlett`` over all dimension items (None
    when fewer than 3), ``response_rate`` (from the survey's invitations when it has any; otherwise responding
    customers against all customers, ``basis="customers"``), ``representativeness`` of responding customers by
    the customer attribute ``by`` (None when ``by`` is None), ``n_responses`` and ``skipped`` (dimension →
    reason when a check could not run, e.g. fewer than 2 items).
    """
    from cxlens.stats.data import _analytics, survey_frame, survey_questions

    an = _analytics(source)
    questions = survey_questions(an, survey)
    frame = survey_frame(an, survey, by=[by] if by else None)
    dims = _dimension_items(questions)
    skipped: dict[str, str] = {}
    alphas, analysed = [], {}
    for dim, items in dims.items():
        try:
            alphas.append(cronbach_alpha(frame, items=items).assign(dimension=dim))
        except ValueError as e:
            skipped[dim] = str(e)
            continue
        if len(items) >= 3:
            analysed[dim] = items
    everything = [i for items in dims.values() for i in items]
    result: dict[str, Any] = {
        "survey": survey,
        "n_responses": len(frame),
        "alpha": pd.concat(alphas, ignore_index=True)[["dimension", *_ALPHA_COLS]] if alphas else None,
        "items": item_analysis(frame, analysed) if analysed else None,
        "kmo": kmo(frame, everything) if len(everything) >= 3 else None,
        "bartlett": bartlett_sphericity(frame, everything) if len(everything) >= 3 else None,
        "skipped": skipped,
    }
    invited = _invitations(an, survey)
    if invited is not None:
        result["response_rate"] = response_rate(invited[1], invited[0], basis="invitations")
    else:
        base = an.execute(an.table("customers").count())
        responding = int(frame["customer_id"].nunique())
        result["response_rate"] = response_rate(responding, int(base), basis="customers") if base else None
    result["representativeness"] = None
    if by:
        people = frame.dropna(subset=["customer_id"]).drop_duplicates("customer_id")
        result["representativeness"] = representativeness(people[by], _population(an, by))
    return result


_ALPHA_COLS = ["alpha", "n", "k", "ci_low", "ci_high", "nan_policy"]
