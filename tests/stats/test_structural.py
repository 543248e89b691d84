"""PLS path modelling on simulated data: closed-form cases, mode B, the three schemes, refusals.
The published reproduction (SmartPLS on ECSI mobi) is tests/external/test_stats_plspm.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlens.stats.structural import PLSPMFitter, plspm

BLOCKS = {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"], "C": ["c1", "c2"]}
PATHS = [("A", "B"), ("A", "C"), ("B", "C")]


def simulate(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.6 * a + 0.8 * rng.normal(size=n)
    c = 0.3 * a + 0.5 * b + 0.7 * rng.normal(size=n)
    cols = {}
    for name, f, loads in (("a", a, (0.9, 0.8, 0.7)), ("b", b, (0.85, 0.8, 0.75)), ("c", c, (0.9, 0.8))):
        for i, lam in enumerate(loads, start=1):
            cols[f"{name}{i}"] = lam * f / f.std() + np.sqrt(1 - lam**2) * rng.normal(size=n)
    return pd.DataFrame(cols)


def test_two_single_item_constructs_give_the_correlation() -> None:
    df = simulate()
    m = plspm(df, [("A", "B")], {"A": ["a1"], "B": ["b1"]})
    assert m.path_coefficients_.estimate.iloc[0] == pytest.approx(df["a1"].corr(df["b1"]), abs=1e-12)
    assert m.r2_.r2.iloc[0] == pytest.approx(df["a1"].corr(df["b1"]) ** 2, abs=1e-12)
    assert m.outer_weights_.estimate.tolist() == pytest.approx([1.0, 1.0])


@pytest.mark.parametrize("scheme", ["centroid", "factorial", "path"])
def test_fixed_point_properties(scheme: str) -> None:
    df = simulate()
    m = PLSPMFitter(PATHS, BLOCKS, scheme=scheme).fit(df)
    assert m.converged_ and m.n_iter_ < 50
    scores = m.scores_
    assert np.allclose(scores.std(ddof=1), 1.0) and np.allclose(scores.mean(), 0.0, atol=1e-12)
    Z = (df - df.mean()) / df.std(ddof=1)
    for c, items in BLOCKS.items():  # the scores are the weighted item sums
        w = m.outer_weights_.query("construct == @c").set_index("item").estimate[items]
        assert np.allclose(Z[items].to_numpy() @ w.to_numpy(), scores[c].to_numpy())
    load = m.outer_loadings_.set_index("item").estimate
    assert load["a1"] == pytest.approx(df["a1"].corr(scores["A"]))
    direct = m.path_coefficients_.set_index(["source", "target"]).estimate
    beta = np.linalg.lstsq(scores[["A", "B"]].to_numpy(), scores["C"].to_numpy(), rcond=None)[0]
    assert [direct[("A", "C")], direct[("B", "C")]] == pytest.approx(list(beta))
    total = m.total_effects_.set_index(["source", "target"]).estimate
    assert total[("A", "C")] == pytest.approx(direct[("A", "C")] + direct[("A", "B")] * direct[("B", "C")])
    assert 0.4 < direct[("A", "B")] < 0.75  # the simulated 0.6, attenuated by measurement error


def test_mode_b_weights_are_the_regression_on_the_inner_estimate() -> None:
    df = simulate()
    m = PLSPMFitter(PATHS, BLOCKS, modes={"A": "B"}).fit(df)
    assert m.quality_.set_index("construct").at["A", "mode"] == "B"
    wa = m.outer_weights_.query("construct == 'A'").estimate.to_numpy()
    wb = PLSPMFitter(PATHS, BLOCKS).fit(df).outer_weights_.query("construct == 'A'").estimate.to_numpy()
    assert not np.allclose(wa, wb)
    Z = (df - df.mean()) / df.std(ddof=1)
    assert np.var(Z[BLOCKS["A"]].to_numpy() @ wa, ddof=1) == pytest.approx(1.0)


def test_unstandardized_weights_sum_to_one_per_construct() -> None:
    df = simulate()
    df["a1"] = df["a1"] * 10 + 50  # a different unit
    m = plspm(df, PATHS, BLOCKS)
    u = m.unstandardized_weights()
    assert u.groupby("construct").weight.sum().to_numpy() == pytest.approx([1, 1, 1])
    std = m.outer_weights_.set_index("item").estimate
    raw = std / df.std(ddof=1)[std.index]
    a = raw[BLOCKS["A"]] / raw[BLOCKS["A"]].sum()
    assert u.set_index("item").weight[BLOCKS["A"]].to_numpy() == pytest.approx(a.to_numpy())


def test_missing_policies() -> None:
    df = simulate()
    df.iloc[::10, 0] = np.nan
    assert plspm(df, PATHS, BLOCKS).n_ == len(df.dropna())
    assert plspm(df, PATHS, BLOCKS, missing="mean").n_ == len(df)


@pytest.mark.parametrize(
    ("paths", "blocks", "kwargs", "message"),
    [
        (PATHS, {**BLOCKS, "D": ["a1"]}, {}, "in two blocks"),
        (PATHS + [("C", "A")], BLOCKS, {}, "cycle"),
        ([("A", "B")], BLOCKS, {}, "in no path"),
        ([("A", "Z")], BLOCKS, {}, "no block"),
        (PATHS, {**BLOCKS, "C": ["c1", "zz"]}, {}, "not in the data"),
        (PATHS, BLOCKS, {"scheme": "magic"}, "scheme"),
        (PATHS, BLOCKS, {"modes": {"A": "C"}}, "modes"),
        (PATHS, BLOCKS, {"missing": "drop"}, "missing"),
    ],
)
def test_refusals(
    paths: list[tuple[str, str]], blocks: dict[str, list[str]], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        PLSPMFitter(paths, blocks, **kwargs).fit(simulate())  # type: ignore[arg-type]


def test_constant_item_and_too_few_rows_are_refused() -> None:
    with pytest.raises(ValueError, match="constant"):
        plspm(simulate().assign(b2=3.0), PATHS, BLOCKS)
    with pytest.raises(ValueError, match="at least"):
        plspm(simulate().head(8), PATHS, BLOCKS)


def test_collinear_formative_block_is_refused() -> None:
    df = simulate()
    df["a3"] = df["a1"] + df["a2"]
    with pytest.raises(ValueError, match="singular"):
        PLSPMFitter(PATHS, BLOCKS, modes={"A": "B"}).fit(df)


def test_non_convergence_is_reported() -> None:
    with pytest.raises(ValueError, match="did not converge in 1 iterations"):
        PLSPMFitter(PATHS, BLOCKS, max_iter=1).fit(simulate())
    m = PLSPMFitter(PATHS, BLOCKS, max_iter=1, allow_nonconvergence=True).fit(simulate())
    assert m.converged_ is False and m.summary["converged"] is False


def test_unfitted_model_says_so() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        PLSPMFitter(PATHS, BLOCKS).unstandardized_weights()


def test_discriminant_validity_by_hand() -> None:
    df = simulate()
    m = plspm(df, PATHS, BLOCKS)
    row = m.discriminant_.set_index(["construct_a", "construct_b"]).loc[("A", "B")]
    R = df.corr().abs()
    hetero = R.loc[BLOCKS["A"], BLOCKS["B"]].to_numpy().mean()

    def mono(items: list[str]) -> float:
        block = R.loc[items, items].to_numpy()
        return float(block[~np.eye(len(items), dtype=bool)].mean())

    assert row.htmt == pytest.approx(hetero / np.sqrt(mono(BLOCKS["A"]) * mono(BLOCKS["B"])))
    assert row.correlation == pytest.approx(m.scores_["A"].corr(m.scores_["B"]))
    assert bool(row.fornell_larcker) and row.htmt < 0.85  # distinct simulated constructs
    assert len(m.discriminant_) == 3
