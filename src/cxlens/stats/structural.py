"""Partial least squares path modelling (PLS-PM): Wold's and Lohmöller's algorithm for a structural model of
latent constructs, each measured by a block of observed items.

The algorithm (Lohmöller 1989; Tenenhaus, Esposito Vinzi, Chatelin & Lauro 2005, CSDA 48, §2) on items
standardised to mean 0 and variance 1 (sample variance, ``ddof=1``):

1. Start with weight 1 for every item, scaled so that each construct score ``Y_j = X_j w_j`` has variance 1.
2. *Inner estimation.* ``Z_j = Σ_i e_ji Y_i`` over the constructs ``i`` adjacent to ``j`` in the path model,
   then standardised. The inner weights ``e_ji`` follow the scheme:

   * ``centroid``: the sign of ``cor(Y_j, Y_i)``;
   * ``factorial``: ``cor(Y_j, Y_i)``;
   * ``path`` (path weighting): for a predecessor ``i`` of ``j`` (``i → j``), the coefficient of ``Y_i`` in the
     multiple regression of ``Y_j`` on all its predecessors; for a successor ``i`` (``j → i``), ``cor(Y_j, Y_i)``.
3. *Outer estimation.* Mode A (reflective): ``w_j = cor(X_j, Z_j)``; mode B (formative): ``w_j = R_jj⁻¹
   cor(X_j, Z_j)``, the multiple regression of ``Z_j`` on the block. Each ``w_j`` is rescaled so that
   ``w_jᵀ R_jj w_j = 1`` (unit-variance scores; Dijkstra 2010, the normalisation semPLS and SmartPLS use).
4. Repeat 2–3 until no weight changes by more than ``tol``; then ``Y = X W``.

Path coefficients are the OLS coefficients of each endogenous construct's score on its predecessors' scores,
R² their coefficient of determination; total effects are ``(I − B)⁻¹ − I`` for the matrix ``B`` of direct
effects; outer loadings are ``cor(x_k, Y_j)``. Reliability of a reflective block: average variance extracted
``AVE = mean(λ²)``, composite reliability ``ρ_c = (Σλ)² / ((Σλ)² + Σ(1 − λ²))`` (Dillon–Goldstein's ρ) and
Cronbach's α. Bootstrap confidence intervals are percentile intervals over ``n_boot`` resamples of the rows
(seeded), with the bootstrap standard error and ``t = estimate / se`` as SmartPLS reports them.

Reproduces SmartPLS 2.0's outer weights, path coefficients and total effects for the ECSI model on the
``mobi`` data for all three schemes to 1e-4 (tests/external/test_stats_plspm.py); the conventions follow
semPLS (Monecke & Leisch 2012, JSS 48(3)).

References
----------
Lohmöller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares.* Physica.
Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., & Lauro, C. (2005). PLS path modeling. *Computational
Statistics & Data Analysis*, 48(1), 159–205.
Monecke, A., & Leisch, F. (2012). semPLS: Structural equation modeling using partial least squares. *Journal
of Statistical Software*, 48(3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = ["SCHEMES", "PLSPMFitter", "plspm"]

SCHEMES = ("centroid", "factorial", "path")


@dataclass(frozen=True)
class _Spec:
    constructs: list[str]
    items: list[str]
    blocks: dict[str, list[str]]
    modes: dict[str, str]
    paths: list[tuple[str, str]]
    D: np.ndarray  # D[i, j] = 1 when construct i → construct j


def _spec(
    paths: Sequence[tuple[str, str]], blocks: Mapping[str, Sequence[str]], modes: Mapping[str, str] | None
) -> _Spec:
    if not blocks:
        raise ValueError("blocks is empty: give each construct the list of its items")
    constructs = list(blocks)
    seen: dict[str, str] = {}
    for c, items in blocks.items():
        if not items:
            raise ValueError(f"construct {c!r} has no items")
        for it in items:
            if it in seen:
                raise ValueError(
                    f"item {it!r} is in two blocks ({seen[it]!r} and {c!r}); each item measures one construct"
                )
            seen[it] = c
    index = {c: i for i, c in enumerate(constructs)}
    D = np.zeros((len(constructs), len(constructs)))
    paths = list(dict.fromkeys((str(s), str(t)) for s, t in paths))  # a path given twice is one path
    for source, target in paths:
        for c in (source, target):
            if c not in index:
                raise ValueError(f"path {source} → {target}: construct {c!r} has no block of items")
        if source == target:
            raise ValueError(f"path {source} → {target} is a loop")
        D[index[source], index[target]] = 1
    if _cyclic(D):
        raise ValueError("the path model has a cycle; PLS-PM needs a recursive (acyclic) structural model")
    lonely = [c for c in constructs if not (D[index[c]].any() or D[:, index[c]].any())]
    if lonely:
        raise ValueError(f"construct(s) {', '.join(lonely)} are in no path; every construct needs at least one")
    modes = {c: str(m).upper() for c, m in (modes or {}).items()}
    bad = {c: m for c, m in modes.items() if c not in index or m not in ("A", "B")}
    if bad:
        raise ValueError(f"modes must map constructs to 'A' (reflective) or 'B' (formative): {bad}")
    full = {c: modes.get(c, "A") for c in constructs}
    return _Spec(constructs, list(seen), {c: list(v) for c, v in blocks.items()}, full, list(paths), D)


def _cyclic(D: np.ndarray) -> bool:
    alive = np.ones(len(D), dtype=bool)
    while alive.any():  # peel off constructs with no incoming path from the remaining ones
        sources = alive & ~(D * alive[:, None]).any(axis=0)
        if not sources.any():
            return True
        alive &= ~sources
    return False


def _standardise(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    sd = X.std(axis=0, ddof=1)
    zero = [n for n, s in zip(names, sd, strict=True) if not s > 0]
    if zero:
        raise ValueError(f"item(s) {', '.join(zero)} are constant (standard deviation 0): they cannot measure anything")
    return np.asarray((X - X.mean(axis=0)) / sd, dtype=float)


class _Engine:
    """One PLS-PM fit on a standardised matrix: the iteration and every estimate derived from it."""

    def __init__(self, spec: _Spec, scheme: str, tol: float, max_iter: int) -> None:
        self.spec, self.scheme, self.tol, self.max_iter = spec, scheme, tol, max_iter
        J = len(spec.constructs)
        self.member = np.zeros((len(spec.items), J))
        col = {it: i for i, it in enumerate(spec.items)}
        for j, c in enumerate(spec.constructs):
            for it in spec.blocks[c]:
                self.member[col[it], j] = 1
        self.idx = [np.array([col[it] for it in spec.blocks[c]]) for c in spec.constructs]
        self.adj = ((spec.D + spec.D.T) > 0).astype(float)

    def _normalise(self, W: np.ndarray, R: np.ndarray) -> np.ndarray:
        for j, ix in enumerate(self.idx):
            w = W[ix, j]
            var = float(w @ R[np.ix_(ix, ix)] @ w)
            if not var > 1e-12:
                raise ValueError(f"construct {self.spec.constructs[j]!r}: its weights give a score of variance 0")
            W[ix, j] = w / np.sqrt(var)
        return W

    def _inner(self, Y: np.ndarray) -> np.ndarray:
        C = np.corrcoef(Y, rowvar=False)
        if self.scheme == "centroid":
            return np.asarray(np.sign(C) * self.adj, dtype=float)
        if self.scheme == "factorial":
            return np.asarray(C * self.adj, dtype=float)
        D = self.spec.D
        E = np.zeros_like(C)  # E[i, j]: the weight of Y_i in the inner estimate of construct j
        for j in range(len(D)):
            pred = np.flatnonzero(D[:, j])
            if pred.size:
                E[pred, j] = np.linalg.solve(C[np.ix_(pred, pred)], C[pred, j])
            succ = np.flatnonzero(D[j])
            E[succ, j] = C[succ, j]
        return np.asarray(E, dtype=float)

    def weights(self, X: np.ndarray, W0: np.ndarray | None = None) -> tuple[np.ndarray, int, bool]:
        n = len(X)
        R = X.T @ X / (n - 1)
        W = self._normalise(self.member.copy() if W0 is None else W0.copy(), R)
        for it in range(1, self.max_iter + 1):
            Y = X @ W
            Z = Y @ self._inner(Y)
            Z = (Z - Z.mean(axis=0)) / Z.std(axis=0, ddof=1)
            cov = X.T @ Z / (n - 1)  # cor(x_k, Z_j), items standardised
            new = np.zeros_like(W)
            for j, ix in enumerate(self.idx):
                c = cov[ix, j]
                if self.spec.modes[self.spec.constructs[j]] == "B" and ix.size > 1:
                    c = _solve(R[np.ix_(ix, ix)], c, self.spec.constructs[j])
                new[ix, j] = c
            new = self._normalise(new, R)
            if np.max(np.abs(new - W)) < self.tol:
                return new, it, True
            W = new
        return W, self.max_iter, False

    def estimates(self, X: np.ndarray, W: np.ndarray) -> dict[str, np.ndarray]:
        Y = X @ W
        C = np.corrcoef(Y, rowvar=False)
        D = self.spec.D
        B = np.zeros_like(D)
        r2 = np.full(len(D), np.nan)
        for j in range(len(D)):
            pred = np.flatnonzero(D[:, j])
            if pred.size:
                b = _solve(C[np.ix_(pred, pred)], C[pred, j], self.spec.constructs[j])
                B[pred, j] = b
                r2[j] = float(b @ C[pred, j])
        total = np.linalg.inv(np.eye(len(D)) - B) - np.eye(len(D))
        load = (X.T @ Y / (len(X) - 1)) * self.member
        return {"W": W, "B": B, "T": total, "r2": r2, "L": load, "Y": Y}


def _solve(A: np.ndarray, b: np.ndarray, where: str) -> np.ndarray:
    if np.linalg.cond(A) > 1e12:
        raise ValueError(f"{where}: the correlation matrix of its predictors is singular (collinear items or scores)")
    return np.linalg.solve(A, b)


class PLSPMFitter:
    """PLS path model (Wold / Lohmöller), fitted on a DataFrame of items; sklearn-style contract.

    Parameters
    ----------
    paths : sequence of (source, target)
        The structural model: ``("IMAG", "CUEX")`` means image → expectation. Must be acyclic.
    blocks : mapping construct → list of item columns
        The measurement model; each item belongs to one construct.
    modes : mapping construct → "A" | "B", optional
        Outer estimation mode: ``"A"`` reflective (default), ``"B"`` formative.
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme (module docstring).
    tol, max_iter :
        Stop when no outer weight changes by more than ``tol`` (SmartPLS's abort criterion 1e-7);
        not converging within ``max_iter`` is reported in ``converged_`` and the summary, and raises unless
        ``allow_nonconvergence=True``.
    n_boot, seed, ci :
        Bootstrap resamples (0 = none), the random seed and the interval's coverage.
    missing : {"listwise", "mean"}
        Drop rows with any missing item, or replace a missing answer by the item's mean (SmartPLS's
        "mean replacement"). The number of rows used is ``n_``; at least max(10, 3 × constructs) are needed.

    Attributes
    ----------
    outer_weights_, outer_loadings_ : DataFrame (construct, item, estimate[, se, ci_low, ci_high])
    path_coefficients_, total_effects_ : DataFrame (source, target, estimate[, se, t, p_val, ci_low, ci_high])
    r2_ : DataFrame (construct, r2, r2_adj, n_predictors)
    quality_ : DataFrame (construct, mode, n_items, ave, composite_reliability, rho_a, cronbach_alpha, eig_1st,
        eig_2nd, redundancy)
        Per block: AVE (= the block's mean communality λ²), Dillon–Goldstein's ρ, Dijkstra–Henseler's ρ_A
        (``(wᵀw)² · wᵀ(S − diag S)w / wᵀ(wwᵀ − diag wwᵀ)w``; 2015, MIS Quarterly 39(2)), standardised α and the first
        two eigenvalues of the items' correlation matrix (unidimensionality: one eigenvalue above 1), and for an
        endogenous construct the mean redundancy ``AVE × R²``.
    discriminant_ : DataFrame (construct_a, construct_b, correlation, htmt, fornell_larcker)
        Discriminant validity per pair of constructs: their score correlation, the heterotrait–monotrait ratio
        (mean |r| between the two blocks' items over the geometric mean of the mean |r| within each block;
        Henseler, Ringle & Sarstedt 2015, JAMS 43; NaN when a block has one item; > 0.85 is the usual warning)
        and whether the squared correlation stays below both AVEs (Fornell & Larcker 1981).
    gof_ : float
        Tenenhaus et al.'s (2005, §4) goodness of fit ``√(mean communality × mean R²)``, the communality averaged
        over the items of blocks with more than one item.
    scores_ : DataFrame of standardised construct scores (one column per construct, rows as used)
    n_, n_iter_, converged_ :
        Rows used, iterations, and whether the weights converged.

    Notes
    -----
    Bootstrap resamples start from the full-sample weights and are not sign-corrected (Mode A blocks whose
    items all correlate positively keep their orientation); a resample that fails (a constant item, no
    convergence) is skipped and counted in ``n_boot_failed_``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(200, 1)); g = 0.6 * f + 0.8 * rng.normal(size=(200, 1))
    >>> X = np.hstack([f + 0.5 * rng.normal(size=(200, 3)), g + 0.5 * rng.normal(size=(200, 3))])
    >>> df = pd.DataFrame(X, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> m = PLSPMFitter([("A", "B")], {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}).fit(df)
    >>> round(float(m.path_coefficients_.estimate.iloc[0]), 2)
    0.61
    """

    def __init__(
        self,
        paths: Sequence[tuple[str, str]],
        blocks: Mapping[str, Sequence[str]],
        modes: Mapping[str, str] | None = None,
        scheme: str = "path",
        *,
        tol: float = 1e-7,
        max_iter: int = 300,
        n_boot: int = 0,
        seed: int | None = 0,
        ci: float = 0.95,
        missing: str = "listwise",
        allow_nonconvergence: bool = False,
    ) -> None:
        self.paths = paths
        self.blocks = blocks
        self.modes = modes
        self.scheme = scheme
        self.tol = tol
        self.max_iter = max_iter
        self.n_boot = n_boot
        self.seed = seed
        self.ci = ci
        self.missing = missing
        self.allow_nonconvergence = allow_nonconvergence

    # ----------------------------------------------------------------------------------------------- fit
    def _matrix(self, data: pd.DataFrame, spec: _Spec) -> tuple[np.ndarray, pd.Index]:
        absent = [it for it in spec.items if it not in data.columns]
        if absent:
            raise ValueError(f"item column(s) not in the data: {', '.join(absent)}")
        frame = data[spec.items].apply(pd.to_numeric, errors="coerce")
        if self.missing == "listwise":
            frame = frame.dropna()
        elif self.missing == "mean":
            frame = frame.dropna(how="all").fillna(frame.mean())
        else:
            raise ValueError(f"missing must be 'listwise' or 'mean', not {self.missing!r}")
        need = max(10, len(spec.items) // 2, 3 * len(spec.constructs))
        if len(frame) < need:
            raise ValueError(f"PLS-PM needs at least {need} complete responses for this model; {len(frame)} usable")
        return frame.to_numpy(dtype=float), frame.index

    def fit(self, data: pd.DataFrame) -> PLSPMFitter:
        """Estimate the model on ``data`` (one row per respondent, one column per item); returns ``self``."""
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, not {self.scheme!r}")
        if not 0 < self.ci < 1:
            raise ValueError(f"ci must be in (0, 1), not {self.ci}")
        spec = _spec(self.paths, self.blocks, self.modes)
        raw, index = self._matrix(data, spec)
        X = _standardise(raw, spec.items)
        eng = _Engine(spec, self.scheme, self.tol, self.max_iter)
        W, n_iter, ok = eng.weights(X)
        if not ok and not self.allow_nonconvergence:
            raise ValueError(
                f"PLS-PM did not converge in {self.max_iter} iterations (tol {self.tol}); raise max_iter or pass "
                "allow_nonconvergence=True to keep the last weights"
            )
        est = eng.estimates(X, W)
        self.spec_, self.n_, self.n_iter_, self.converged_ = spec, len(X), n_iter, ok
        self._R = X.T @ X / (len(X) - 1)
        self.item_mean_ = pd.Series(raw.mean(axis=0), index=spec.items)
        self.item_sd_ = pd.Series(raw.std(axis=0, ddof=1), index=spec.items)
        self.scores_ = pd.DataFrame(est["Y"], index=index, columns=spec.constructs)
        self.n_boot_failed_ = 0
        boot = self._bootstrap(eng, X, W) if self.n_boot else None
        self._tables(spec, est, boot)
        return self

    def _bootstrap(self, eng: _Engine, X: np.ndarray, W: np.ndarray) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(self.seed)
        draws: dict[str, list[np.ndarray]] = {"W": [], "L": [], "B": [], "T": [], "r2": []}
        failed = 0
        for _ in range(self.n_boot):
            rows = rng.integers(0, len(X), len(X))
            try:
                Xb = _standardise(X[rows], eng.spec.items)
                Wb, _, ok = eng.weights(Xb, W)
                if not ok:
                    raise ValueError("not converged")
                e = eng.estimates(Xb, Wb)
            except ValueError:
                failed += 1
                continue
            for key in draws:
                draws[key].append(e[key])
        self.n_boot_failed_ = failed
        if len(draws["W"]) < max(10, self.n_boot // 2):
            raise ValueError(f"{failed} of {self.n_boot} bootstrap resamples failed (constant items or no convergence)")
        return {k: np.stack(v) for k, v in draws.items()}

    def _tables(self, spec: _Spec, est: dict[str, np.ndarray], boot: dict[str, np.ndarray] | None) -> None:
        lo_q, hi_q = (1 - self.ci) / 2, 1 - (1 - self.ci) / 2
        n = self.n_

        def inference(key: str, rows: list[tuple[int, int]], values: list[float]) -> dict[str, list[float]]:
            if boot is None:
                return {}
            sample = np.array([[b[r, c] for r, c in rows] for b in boot[key]])
            se = sample.std(axis=0, ddof=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(se > 0, np.asarray(values) / se, np.nan)
            return {
                "se": list(se),
                "t": list(t),
                "p_val": list(2 * sps.t.sf(np.abs(t), n - 1)),
                "ci_low": list(np.quantile(sample, lo_q, axis=0)),
                "ci_high": list(np.quantile(sample, hi_q, axis=0)),
            }

        col = {it: i for i, it in enumerate(spec.items)}
        cells = [(col[it], j) for j, c in enumerate(spec.constructs) for it in spec.blocks[c]]
        labels = {"construct": [spec.constructs[j] for _, j in cells], "item": [spec.items[i] for i, _ in cells]}
        w_vals = [float(est["W"][i, j]) for i, j in cells]
        self.outer_weights_ = pd.DataFrame({**labels, "estimate": w_vals, **inference("W", cells, w_vals)})
        l_vals = [float(est["L"][i, j]) for i, j in cells]
        self.outer_loadings_ = pd.DataFrame({**labels, "estimate": l_vals, **inference("L", cells, l_vals)})
        ix = {c: j for j, c in enumerate(spec.constructs)}
        direct = [(ix[s], ix[t]) for s, t in spec.paths]
        vals = [float(est["B"][i, j]) for i, j in direct]
        self.path_coefficients_ = pd.DataFrame(
            {"source": [s for s, _ in spec.paths], "target": [t for _, t in spec.paths], "estimate": vals}
            | inference("B", direct, vals)
        )
        reach = [
            (i, j) for i in range(len(ix)) for j in range(len(ix)) if abs(est["T"][i, j]) > 1e-12 or (i, j) in direct
        ]
        vals = [float(est["T"][i, j]) for i, j in reach]
        self.total_effects_ = pd.DataFrame(
            {"source": [spec.constructs[i] for i, _ in reach], "target": [spec.constructs[j] for _, j in reach]}
            | {"estimate": vals}
            | inference("T", reach, vals)
        )
        endo = [j for j in range(len(ix)) if spec.D[:, j].any()]
        k = [int(spec.D[:, j].sum()) for j in endo]
        r2 = [float(est["r2"][j]) for j in endo]
        self.r2_ = pd.DataFrame(
            {
                "construct": [spec.constructs[j] for j in endo],
                "r2": r2,
                "r2_adj": [1 - (1 - r) * (n - 1) / (n - kk - 1) for r, kk in zip(r2, k, strict=True)],
                "n_predictors": k,
            }
        )
        if boot is not None:
            self.r2_["ci_low"] = np.quantile(boot["r2"][:, endo], lo_q, axis=0)
            self.r2_["ci_high"] = np.quantile(boot["r2"][:, endo], hi_q, axis=0)
        self.quality_ = self._quality(spec, est)
        self.discriminant_ = self._discriminant(spec)
        multi = self.outer_loadings_[self.outer_loadings_.groupby("construct").item.transform("size") > 1]
        self.gof_ = float(np.sqrt(np.mean(multi.estimate**2) * self.r2_.r2.mean())) if len(multi) else np.nan

    def _quality(self, spec: _Spec, est: dict[str, np.ndarray]) -> pd.DataFrame:
        from cxlens.stats.reliability import _alpha_from_cov

        rows = []
        for j, c in enumerate(spec.constructs):
            ix = [spec.items.index(it) for it in spec.blocks[c]]
            lam = est["L"][ix, j]
            s = lam.sum()
            cr = s**2 / (s**2 + (1 - lam**2).sum())
            R = self._R[np.ix_(ix, ix)]
            eig = np.sort(np.linalg.eigvalsh(R))[::-1]
            w = est["W"][ix, j]
            ww = np.outer(w, w)
            rho_a = 1.0
            if len(ix) > 1:
                rho_a = (w @ w) ** 2 * (w @ (R - np.diag(np.diag(R))) @ w) / (w @ (ww - np.diag(np.diag(ww))) @ w)
            r2 = float(est["r2"][j]) if np.isfinite(est["r2"][j]) else np.nan
            rows.append(
                {
                    "construct": c,
                    "mode": spec.modes[c],
                    "n_items": len(ix),
                    "ave": float(np.mean(lam**2)),
                    "composite_reliability": float(cr),
                    "rho_a": float(rho_a),
                    "cronbach_alpha": float(_alpha_from_cov(R)) if len(ix) > 1 else np.nan,
                    "eig_1st": float(eig[0]),
                    "eig_2nd": float(eig[1]) if len(eig) > 1 else np.nan,
                    "redundancy": float(np.mean(lam**2)) * r2,
                }
            )
        return pd.DataFrame(rows)

    def _discriminant(self, spec: _Spec) -> pd.DataFrame:
        C = self.scores_.corr().to_numpy()
        ave = self.quality_.set_index("construct")["ave"]
        R, items = np.abs(self._R), spec.items
        ix = {c: [items.index(i) for i in spec.blocks[c]] for c in spec.constructs}

        def mono(c: str) -> float:
            block = R[np.ix_(ix[c], ix[c])]
            k = len(ix[c])
            return float((block.sum() - k) / (k * (k - 1))) if k > 1 else np.nan

        rows = []
        for a in range(len(spec.constructs)):
            for b in range(a + 1, len(spec.constructs)):
                ca, cb = spec.constructs[a], spec.constructs[b]
                hetero = float(R[np.ix_(ix[ca], ix[cb])].mean())
                rows.append(
                    {
                        "construct_a": ca,
                        "construct_b": cb,
                        "correlation": float(C[a, b]),
                        "htmt": hetero / np.sqrt(mono(ca) * mono(cb)),
                        "fornell_larcker": bool(C[a, b] ** 2 < min(ave[ca], ave[cb])),
                    }
                )
        return pd.DataFrame(rows)

    # -------------------------------------------------------------------------------------------- output
    @property
    def summary(self) -> dict[str, Any]:
        """Every estimate as plain data (for JSON): fit facts plus each table as a list of records."""
        self._check_fitted()
        return {
            "scheme": self.scheme,
            "n": self.n_,
            "iterations": self.n_iter_,
            "converged": self.converged_,
            "gof": self.gof_,
            "n_boot": self.n_boot,
            "tables": {
                name: getattr(self, name + "_").to_dict(orient="records")
                for name in (
                    "path_coefficients",
                    "total_effects",
                    "r2",
                    "outer_weights",
                    "outer_loadings",
                    "quality",
                    "discriminant",
                )
            },
        }

    def unstandardized_weights(self) -> pd.DataFrame:
        """Outer weights on the items' original scale, normalised to sum to 1 within each construct.

        ``w̃_k = (w_k / s_k) / Σ_block (w_l / s_l)`` for the standardised weight ``w_k`` and the item's standard
        deviation ``s_k`` (Fornell, Johnson, Anderson, Cha & Bryant 1996, J. Marketing 60(4), the ACSI index).
        """
        self._check_fitted()
        w = self.outer_weights_.copy()
        w["raw"] = w["estimate"] / w["item"].map(self.item_sd_)
        w["weight"] = w["raw"] / w.groupby("construct")["raw"].transform("sum")
        return w[["construct", "item", "weight"]]

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_"):
            raise ValueError("this PLSPMFitter is not fitted yet: call fit(data) first")


def plspm(
    data: pd.DataFrame,
    paths: Sequence[tuple[str, str]],
    blocks: Mapping[str, Sequence[str]],
    modes: Mapping[str, str] | None = None,
    scheme: str = "path",
    **options: Any,
) -> PLSPMFitter:
    """Fit a PLS path model and return the fitted :class:`PLSPMFitter` (see there for ``options``)."""
    return PLSPMFitter(paths, blocks, modes, scheme, **options).fit(data)
