"""Criterion weights, set the ways the seed article names — expert scoring, historical data, peer reference
(客户关系质量评估: "权重的设定可以通过专家打分、历史数据分析、同行参照等方法进行") — as estimators with the
scikit-learn contract: hyperparameters in ``__init__``, ``fit`` validates and sets ``weights_`` (a Series
indexed by criterion, summing to 1), ``params_`` and ``summary``, and returns ``self``.

========================  =========================================================================
:class:`DirectWeights`     expert scoring: weights stated directly (e.g. 40/20/20/10/10), rescaled to 1
:class:`AHPWeights`        expert scoring: Saaty's pairwise comparisons, principal eigenvector, with the
                           consistency ratio checked (rejected above 0.1)
:class:`EntropyWeights`    historical data: the entropy weight method (criteria that separate customers
                           more get more weight)
:class:`RegressionWeights` historical data: relative weights (Johnson) or LMG of the criteria for an
                           outcome (e.g. how often the customer orders next), via cxlens.stats.drivers
:class:`BenchmarkWeights`  peer reference: weights imported from a peer or an industry source
========================  =========================================================================
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from cxlens.exceptions import ConfigurationError

__all__ = [
    "METHODS",
    "RANDOM_INDEX",
    "AHPWeights",
    "BenchmarkWeights",
    "DirectWeights",
    "EntropyWeights",
    "InconsistentJudgementsError",
    "RegressionWeights",
    "WeightEstimator",
]

METHODS = ("direct", "ahp", "entropy", "regression", "benchmark")

#: Saaty's random consistency index RI by matrix order n: the mean consistency index of random reciprocal
#: matrices on the 1–9 scale (Saaty 1980, *The Analytic Hierarchy Process*, Table 1.7; Saaty 1990, EJOR 48:9–26).
RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}


class InconsistentJudgementsError(ConfigurationError):
    """An AHP pairwise comparison matrix is too inconsistent (consistency ratio above the limit)."""


class WeightEstimator(ABC):
    """Base of the weight estimators: ``fit`` sets ``weights_`` (sum 1) and ``params_``."""

    method: ClassVar[str] = ""
    weights_: pd.Series
    params_: dict[str, Any]

    @abstractmethod
    def fit(self, X: pd.DataFrame | None = None, y: pd.Series | None = None) -> WeightEstimator:
        """Learn ``weights_`` (expert and peer methods ignore ``X`` and ``y``) and return ``self``."""

    @property
    def summary(self) -> pd.DataFrame:
        """One row per criterion: its weight (and the method's own columns)."""
        self._check_fitted()
        return pd.DataFrame({"criterion": self.weights_.index, "weight": self.weights_.to_numpy()})

    def _check_fitted(self) -> None:
        if not hasattr(self, "weights_"):
            raise ValueError(f"{type(self).__name__} is not fitted: call fit() first")


def _normalised(weights: Mapping[str, float], where: str) -> pd.Series:
    if not weights:
        raise ConfigurationError(f"{where}: no weights given")
    s = pd.Series({str(k): _number(v, f"{where} {k!r}") for k, v in weights.items()}, dtype=float)
    bad = s[(s < 0) | ~np.isfinite(s)]
    if len(bad):
        raise ConfigurationError(
            f"{where}: weight of {bad.index[0]!r} must be a non-negative number, not {bad.iloc[0]}"
        )
    if not s.sum() > 0:
        raise ConfigurationError(f"{where}: the weights sum to 0")
    return s / s.sum()


def _number(value: Any, where: str) -> float:
    """A float from a number or a fraction written as text ("1/3")."""
    if isinstance(value, bool):
        raise ConfigurationError(f"{where}: value {value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(Fraction(str(value).strip()))
    except (ValueError, ZeroDivisionError):
        raise ConfigurationError(f"{where}: value {value!r} is not a number or a fraction like 1/3") from None


class DirectWeights(WeightEstimator):
    """Weights stated by experts, rescaled to sum to 1.

    >>> DirectWeights({"satisfaction": 40, "response_speed": 20, "customisation": 20,
    ...                "problem_solving": 10, "loyalty": 10}).fit().weights_.tolist()
    [0.4, 0.2, 0.2, 0.1, 0.1]
    """

    method = "direct"

    def __init__(self, weights: Mapping[str, float], name: str = "direct weights") -> None:
        self.weights = weights
        self.name = name

    def fit(self, X: pd.DataFrame | None = None, y: pd.Series | None = None) -> DirectWeights:
        self.weights_ = _normalised(self.weights, self.name)
        self.params_ = {"stated": dict(self.weights)}
        return self


class BenchmarkWeights(DirectWeights):
    """Weights imported from a peer or industry reference (``source`` says which), rescaled to sum to 1.
    :meth:`from_file` reads a YAML ``{source: …, weights: {criterion: weight}}`` or a two-column CSV."""

    method = "benchmark"

    def __init__(self, weights: Mapping[str, float], source: str = "", name: str = "benchmark weights") -> None:
        super().__init__(weights, name)
        self.source = source

    def fit(self, X: pd.DataFrame | None = None, y: pd.Series | None = None) -> BenchmarkWeights:
        super().fit()
        self.params_["source"] = self.source
        return self

    @classmethod
    def from_file(cls, path: str | Path) -> BenchmarkWeights:
        p = Path(path)
        if p.suffix.lower() == ".csv":
            frame = pd.read_csv(p)
            if frame.shape[1] < 2:
                raise ConfigurationError(f"{p}: a benchmark weights CSV has two columns: criterion, weight")
            return cls(dict(zip(frame.iloc[:, 0].astype(str), frame.iloc[:, 1], strict=True)), str(p), str(p))
        from cxlens.config import read_yaml_mapping

        data = read_yaml_mapping(p, "benchmark weights file", ConfigurationError)
        if not isinstance(data.get("weights"), Mapping):
            raise ConfigurationError(f"{p}: key `weights` must map each criterion to its weight")
        return cls(data["weights"], str(data.get("source") or p), str(p))


class AHPWeights(WeightEstimator):
    """Analytic Hierarchy Process weights from a reciprocal pairwise comparison matrix (Saaty 1977, 1980).

    ``a_ij`` says how many times more important criterion i is than j on Saaty's 1–9 scale (``a_ji =
    1/a_ij``). The weights are the principal right eigenvector ``w`` (``A w = λ_max w``), scaled to sum 1.
    The consistency index ``CI = (λ_max − n) / (n − 1)`` and the consistency ratio ``CR = CI / RI(n)``
    (:data:`RANDOM_INDEX`) measure how far the judgements are from transitive; ``fit`` raises
    :class:`InconsistentJudgementsError`, naming the matrix, when ``CR > max_cr`` (Saaty's 0.1).

    ``comparisons`` is a square matrix (rows in the order of ``criteria``; fractions like ``"1/3"`` allowed)
    or a mapping ``{(a, b): value}`` of the upper triangle, ``value`` = importance of a over b.

    Examples
    --------
    Saaty's (2008, Table 2) drinks example: the relative consumption of drinks in the United States.

    >>> drinks = {("coffee", "wine"): 9, ("coffee", "tea"): 5, ("coffee", "beer"): 2, ("coffee", "soda"): 1,
    ...     ("coffee", "milk"): 1, ("water", "coffee"): 2, ("water", "wine"): 9, ("water", "tea"): 9,
    ...     ("water", "beer"): 3, ("water", "soda"): 2, ("water", "milk"): 3, ("tea", "wine"): 3,
    ...     ("beer", "wine"): 9, ("beer", "tea"): 3, ("beer", "milk"): 1, ("soda", "wine"): 9, ("soda", "tea"): 4,
    ...     ("soda", "beer"): 2, ("soda", "milk"): 2, ("milk", "wine"): 9, ("milk", "tea"): 3}
    >>> ahp = AHPWeights(drinks, name="drinks").fit()
    >>> ahp.weights_.round(3).to_dict()["water"], round(ahp.cr_, 3)
    (0.327, 0.022)
    """

    method = "ahp"

    def __init__(
        self,
        comparisons: Sequence[Sequence[Any]] | Mapping[tuple[str, str], Any],
        criteria: Sequence[str] | None = None,
        name: str = "AHP matrix",
        max_cr: float = 0.1,
    ) -> None:
        self.comparisons = comparisons
        self.criteria = criteria
        self.name = name
        self.max_cr = max_cr

    def fit(self, X: pd.DataFrame | None = None, y: pd.Series | None = None) -> AHPWeights:
        names, a = self._matrix()
        n = len(names)
        values, vectors = np.linalg.eig(a)
        k = int(np.argmax(values.real))
        w = np.abs(vectors[:, k].real)
        w = w / w.sum()
        lam = float(values[k].real)
        ci = (lam - n) / (n - 1) if n > 2 else 0.0
        if n > max(RANDOM_INDEX):
            raise ConfigurationError(f"{self.name}: AHP supports at most {max(RANDOM_INDEX)} criteria, not {n}")
        ri = RANDOM_INDEX[n]
        cr = ci / ri if ri > 0 else 0.0
        self.matrix_ = pd.DataFrame(a, index=names, columns=names)
        self.weights_ = pd.Series(w, index=names)
        self.lambda_max_, self.ci_, self.ri_, self.cr_ = lam, ci, ri, cr
        self.params_ = {"lambda_max": lam, "ci": ci, "ri": ri, "cr": cr, "n": n}
        if cr > self.max_cr:
            raise InconsistentJudgementsError(
                f"{self.name}: the pairwise comparisons are inconsistent: consistency ratio CR = {cr:.3f} > "
                f"{self.max_cr} (λ_max = {lam:.3f}, CI = {ci:.3f}, RI({n}) = {ri}); revise the judgements"
            )
        return self

    def _matrix(self) -> tuple[list[str], np.ndarray]:
        c = self.comparisons
        if isinstance(c, Mapping):
            return self._from_pairs(c)
        rows = [list(r) for r in c]
        names = list(self.criteria or [f"c{i + 1}" for i in range(len(rows))])
        n = len(names)
        if len(rows) != n or any(len(r) != n for r in rows):
            raise ConfigurationError(f"{self.name}: the comparison matrix must be {n} × {n} (one row per criterion)")
        a = np.array([[_number(v, f"{self.name} row {i + 1}") for v in r] for i, r in enumerate(rows)])
        self._check(a, names)
        return names, a

    def _from_pairs(self, pairs: Mapping[tuple[str, str], Any]) -> tuple[list[str], np.ndarray]:
        names = list(self.criteria or dict.fromkeys(x for pair in pairs for x in pair))
        pos = {name: i for i, name in enumerate(names)}
        a = np.ones((len(names), len(names)))
        seen: set[frozenset[str]] = set()
        for (i, j), value in pairs.items():
            if i not in pos or j not in pos or i == j:
                raise ConfigurationError(
                    f"{self.name}: comparison ({i!r}, {j!r}) names an unknown or the same criterion"
                )
            v = _number(value, f"{self.name} ({i}, {j})")
            a[pos[i], pos[j]], a[pos[j], pos[i]] = v, 1.0 / v if v else math.inf
            seen.add(frozenset((i, j)))
        missing = [(x, y) for k, x in enumerate(names) for y in names[k + 1 :] if frozenset((x, y)) not in seen]
        if missing:
            raise ConfigurationError(f"{self.name}: missing comparison(s) {', '.join(f'{x}/{y}' for x, y in missing)}")
        self._check(a, names)
        return names, a

    def _check(self, a: np.ndarray, names: list[str]) -> None:
        if len(names) < 2:
            raise ConfigurationError(f"{self.name}: AHP needs at least two criteria")
        if not np.all(np.isfinite(a)) or np.any(a <= 0):
            raise ConfigurationError(f"{self.name}: every comparison must be a positive number (Saaty's 1–9 scale)")
        bad = np.argwhere(~np.isclose(a * a.T, 1.0, rtol=1e-6))
        if len(bad):
            i, j = bad[0]
            raise ConfigurationError(
                f"{self.name}: not reciprocal: a[{names[i]}, {names[j]}] = {a[i, j]:.4g} but "
                f"a[{names[j]}, {names[i]}] = {a[j, i]:.4g} (should be 1/{a[i, j]:.4g})"
            )

    @property
    def summary(self) -> pd.DataFrame:
        frame = super().summary
        frame["lambda_max"], frame["ci"], frame["cr"] = self.lambda_max_, self.ci_, self.cr_
        return frame


class EntropyWeights(WeightEstimator):
    """The entropy weight method (Shannon entropy of each criterion across customers).

    For criterion j with non-negative scores ``x_ij`` of its ``n_j`` customers: ``p_ij = x_ij / Σ_i x_ij``,
    entropy ``e_j = −(1 / ln n_j) Σ_i p_ij ln p_ij`` (``0 ln 0 = 0``), divergence ``d_j = 1 − e_j``, and
    weight ``w_j = d_j / Σ_k d_k``. A criterion on which every customer scores the same carries no
    information (``e_j = 1``) and gets weight 0. Missing scores are left out per criterion.
    Reference: Zeleny (1982) *Multiple Criteria Decision Making*, McGraw-Hill; Zou, Yun & Sun (2006)
    J. Environmental Sciences 18(5):1020–1023.

    >>> X = pd.DataFrame({"a": [2, 4, 4], "b": [1, 1, 8], "c": [3, 3, 3]})
    >>> EntropyWeights().fit(X).weights_.round(4).to_dict()
    {'a': 0.0868, 'b': 0.9132, 'c': 0.0}
    """

    method = "entropy"

    def fit(self, X: pd.DataFrame | None = None, y: pd.Series | None = None) -> EntropyWeights:
        if X is None or X.shape[1] == 0:
            raise ValueError("entropy weights need a matrix of criterion scores (customers × criteria)")
        entropy, n = {}, {}
        for column in X.columns:
            x = pd.to_numeric(X[column], errors="coerce").dropna().to_numpy(dtype=float)
            if np.any(x < 0):
                raise ValueError(f"entropy weights need non-negative scores; criterion {column!r} has negatives")
            n[column] = len(x)
            if len(x) < 2 or x.sum() == 0:
                entropy[column] = 1.0  # no spread to learn from
                continue
            p = x / x.sum()
            nz = p[p > 0]
            entropy[column] = float(-(nz * np.log(nz)).sum() / math.log(len(x)))
        e = pd.Series(entropy, dtype=float)
        d = (1.0 - e).clip(lower=0.0)
        if not d.sum() > 0:
            raise ValueError("entropy weights are undefined: every criterion has the same score for all customers")
        self.entropy_, self.divergence_, self.n_ = e, d, pd.Series(n, dtype="int64")
        self.weights_ = d / d.sum()
        self.params_ = {"entropy": e.to_dict(), "n": dict(n)}
        return self

    @property
    def summary(self) -> pd.DataFrame:
        frame = super().summary
        frame["entropy"] = self.entropy_.to_numpy()
        frame["divergence"] = self.divergence_.to_numpy()
        frame["n"] = self.n_.to_numpy()
        return frame


class RegressionWeights(WeightEstimator):
    """Driver-derived weights: each criterion's share of the explained variance (R²) of an outcome, from
    :func:`cxlens.stats.drivers.key_drivers` — Johnson's (2000) relative weights (``measure="rel_weight"``,
    Multivariate Behavioral Research 35(1):1–19) or LMG / general dominance (``measure="lmg"``, Lindeman,
    Merenda & Gold 1980; Grömping 2006) — with percentile bootstrap 95 % intervals (Tonidandel, LeBreton &
    Johnson 2009, Psychological Methods 14(4):387–399).

    ``fit(X, y)`` uses the customers with every criterion and the outcome present (listwise); ``weights_`` =
    share of R², so the weights sum to 1. ``beta_`` holds the standardised regression coefficients (which
    can be negative when criteria are correlated; relative weights and LMG shares never are); ``r2_`` and
    ``n_`` the fit.
    """

    method = "regression"

    def __init__(self, measure: str = "rel_weight", n_boot: int = 500, seed: int = 0, outcome: str = "outcome") -> None:
        self.measure = measure
        self.n_boot = n_boot
        self.seed = seed
        self.outcome = outcome

    def fit(self, X: pd.DataFrame | None = None, y: pd.Series | None = None) -> RegressionWeights:
        from cxlens.stats.drivers import key_drivers

        if X is None or y is None:
            raise ValueError("regression weights need the criterion scores X and the outcome y")
        if self.measure not in ("rel_weight", "lmg"):
            raise ValueError(f"measure must be rel_weight or lmg, not {self.measure!r}")
        names = [str(c) for c in X.columns]
        data = X.apply(pd.to_numeric, errors="coerce").set_axis(names, axis=1)
        dv = "__outcome__"
        data[dv] = pd.to_numeric(y, errors="coerce").reindex(data.index)
        data = data.dropna()
        p = len(names)
        if p < 1 or len(data) < p + 3:
            raise ValueError(
                f"regression weights need at least {p + 3} customers with every criterion; have {len(data)}"
            )
        flat = [c for c in names if not data[c].std() > 0]
        if flat or not data[dv].std() > 0:
            what = f"criterion {flat[0]!r}" if flat else f"the outcome {self.outcome!r}"
            raise ValueError(f"regression weights: {what} does not vary among the {len(data)} customers")
        result = key_drivers(data, dv, names, importance=self.measure, n_boot=self.n_boot, random_state=self.seed)
        table = result.table.set_index("driver").reindex(names)
        share = table[f"{self.measure}_pct"] / 100.0
        self.weights_ = share / share.sum()
        self.raw_weights_ = table[self.measure]
        self.beta_ = table["beta"]
        ci = (f"{self.measure}_pct_ci_low", f"{self.measure}_pct_ci_high")
        self.ci_low_ = table[ci[0]] / 100.0 if ci[0] in table else share * np.nan
        self.ci_high_ = table[ci[1]] / 100.0 if ci[1] in table else share * np.nan
        self.r2_, self.n_ = float(result.fit["r2"]), int(result.fit["n"])
        self.params_ = {
            "r2": self.r2_,
            "n": self.n_,
            "f_p_val": float(result.fit["f_p_val"]),
            "outcome": self.outcome,
            "measure": self.measure,
            "n_boot": self.n_boot,
        }
        return self

    @property
    def summary(self) -> pd.DataFrame:
        frame = super().summary
        frame["ci_low"], frame["ci_high"] = self.ci_low_.to_numpy(), self.ci_high_.to_numpy()
        frame["raw_weight"], frame["beta"] = self.raw_weights_.to_numpy(), self.beta_.to_numpy()
        frame["r2"], frame["n"] = self.r2_, self.n_
        return frame
