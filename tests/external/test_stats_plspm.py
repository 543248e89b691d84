"""PLS path modelling reproduces SmartPLS 2.0.M3 on the ECSI model and the ``mobi`` data (Tenenhaus, Esposito
Vinzi, Chatelin & Lauro 2005) in ../shared/data/ecsi_mobi: outer weights, path coefficients and total effects
for the centroid, factorial and path-weighting schemes, to 1e-4 (measured: within 1e-8). Skipped without the
data. The SmartPLS files are tab-separated with a decimal comma; rows may end in a stray tab."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlens.stats.csi import TEMPLATES, csi_model
from cxlens.stats.structural import PLSPMFitter, plspm

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "ecsi_mobi"
pytestmark = pytest.mark.skipif(not (DATA / "mobi.csv").is_file(), reason="../shared/data is not present")

#: SmartPLS's construct names → the template codes
NAMES = {
    "Image": "IMAG",
    "Expectation": "CUEX",
    "Quality": "PERQ",
    "Value": "PERV",
    "Satisfaction": "CUSA",
    "Complaints": "CUSCO",
    "Loyalty": "CUSL",
}
BLOCKS = {
    "IMAG": [f"IMAG{i}" for i in range(1, 6)],
    "CUEX": ["CUEX1", "CUEX2", "CUEX3"],
    "PERQ": [f"PERQ{i}" for i in range(1, 8)],
    "PERV": ["PERV1", "PERV2"],
    "CUSA": ["CUSA1", "CUSA2", "CUSA3"],
    "CUSCO": ["CUSCO"],
    "CUSL": ["CUSL1", "CUSL2", "CUSL3"],
}
SCHEMES = {"centroid": "centroid", "factorial": "factorial", "path": "pathWeighting"}
TOL = 1e-4


def read_smartpls(name: str) -> pd.DataFrame:
    """A SmartPLS matrix: first row the column names, then one row per row name; decimal comma."""
    lines = [line.rstrip("\n").split("\t") for line in (DATA / name).read_text(encoding="latin-1").splitlines()]
    lines = [[cell.strip() for cell in line] for line in lines if len(line) > 1]
    header = [c for c in lines[0][1:] if c]
    rows = {line[0]: [float(c.replace(",", ".")) for c in line[1 : 1 + len(header)]] for line in lines[1:]}
    return pd.DataFrame.from_dict(rows, orient="index", columns=header)


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return pd.read_csv(DATA / "mobi.csv", index_col=0)


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_ecsi_mobi_matches_smartpls(mobi: pd.DataFrame, scheme: str) -> None:
    model = plspm(mobi, TEMPLATES["ecsi"].paths, BLOCKS, scheme=scheme)
    assert model.converged_ and model.n_ == 250
    weights = read_smartpls(f"smartpls_{SCHEMES[scheme]}_outerWeights.txt").rename(columns=NAMES)
    for row in model.outer_weights_.itertuples():
        assert row.estimate == pytest.approx(weights.at[row.item, row.construct], abs=TOL), (row.construct, row.item)
    assert int((weights != 0).to_numpy().sum()) == len(model.outer_weights_)

    paths = read_smartpls(f"smartpls_{SCHEMES[scheme]}_pathCoefficients.txt").rename(index=NAMES, columns=NAMES)
    ours = model.path_coefficients_.set_index(["source", "target"])["estimate"]
    smart = paths.stack()
    smart = smart[smart != 0]
    assert set(smart.index) == set(ours.index)  # the same 12 paths as TEMPLATES["ecsi"]
    for key, value in smart.items():
        assert ours[key] == pytest.approx(value, abs=TOL), key

    total = read_smartpls(f"smartpls_{SCHEMES[scheme]}_totalEffects.txt").rename(index=NAMES, columns=NAMES)
    effects = model.total_effects_.set_index(["source", "target"])["estimate"]
    for (source, target), value in total.stack().items():
        assert effects.get((source, target), 0.0) == pytest.approx(value, abs=TOL), (source, target)


def test_image_to_expectation_centroid(mobi: pd.DataFrame) -> None:
    model = plspm(mobi, TEMPLATES["ecsi"].paths, BLOCKS, scheme="centroid")
    coef = model.path_coefficients_.set_index(["source", "target"]).estimate[("IMAG", "CUEX")]
    assert round(float(coef), 4) == 0.5047


def test_reliability_and_r2_are_consistent(mobi: pd.DataFrame) -> None:
    model = plspm(mobi, TEMPLATES["ecsi"].paths, BLOCKS, scheme="path")
    scores = model.scores_
    assert np.allclose(scores.std(ddof=1), 1) and np.allclose(scores.mean(), 0)
    sat = model.r2_.set_index("construct").r2["CUSA"]
    X = scores[["IMAG", "CUEX", "PERQ", "PERV"]].to_numpy()
    beta = np.linalg.lstsq(X, scores["CUSA"].to_numpy(), rcond=None)[0]
    resid = scores["CUSA"].to_numpy() - X @ beta
    assert sat == pytest.approx(1 - resid.var(ddof=1) / scores["CUSA"].var(ddof=1), abs=1e-10)
    q = model.quality_.set_index("construct")
    lam = model.outer_loadings_.query("construct == 'PERQ'").estimate.to_numpy()
    assert q.at["PERQ", "ave"] == pytest.approx(np.mean(lam**2))
    assert q.at["PERQ", "composite_reliability"] == pytest.approx(
        lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    )
    R = mobi[BLOCKS["PERQ"]].corr().to_numpy()
    assert (q.at["PERQ", "eig_1st"], q.at["PERQ", "eig_2nd"]) == pytest.approx(
        tuple(np.sort(np.linalg.eigvalsh(R))[::-1][:2])
    )
    w = model.outer_weights_.query("construct == 'PERQ'").estimate.to_numpy()
    off = ~np.eye(len(w), dtype=bool)
    rho_a = (w @ w) ** 2 * (w @ (R * off) @ w) / (w @ (np.outer(w, w) * off) @ w)
    assert q.at["PERQ", "rho_a"] == pytest.approx(rho_a)
    multi = model.outer_loadings_[model.outer_loadings_.construct != "CUSCO"].estimate.to_numpy()
    assert model.gof_ == pytest.approx(np.sqrt(np.mean(multi**2) * model.r2_.r2.mean()))


def test_bootstrap_is_seeded_and_brackets_the_estimate(mobi: pd.DataFrame) -> None:
    a = PLSPMFitter(TEMPLATES["ecsi"].paths, BLOCKS, n_boot=100, seed=7).fit(mobi).path_coefficients_
    b = PLSPMFitter(TEMPLATES["ecsi"].paths, BLOCKS, n_boot=100, seed=7).fit(mobi).path_coefficients_
    pd.testing.assert_frame_equal(a, b)
    assert ((a.ci_low <= a.estimate) & (a.estimate <= a.ci_high)).all()
    strong = a.set_index(["source", "target"]).loc[("CUEX", "PERQ")]
    assert strong.p_val < 0.001 and strong.ci_low > 0.3


def test_ecsi_index_scores_follow_fornell(mobi: pd.DataFrame) -> None:
    result = csi_model(mobi, "ecsi", BLOCKS, scales=(1, 10))
    w = result.weights.query("construct == 'CUSA'").set_index("item").weight
    assert w.sum() == pytest.approx(1)
    by_hand = (sum(w[i] * mobi[i].mean() for i in w.index) - 1) / 9 * 100
    index = result.index.set_index("construct")["index"]
    assert index["CUSA"] == pytest.approx(by_hand)
    assert index.min() > 0 and index.max() < 100
