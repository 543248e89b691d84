"""Relative importance against published results, on ../shared/data/relimp (skipped without it).

* LMG on ``swiss`` (Fertility on Agriculture, Examination, Education, Catholic, Infant.Mortality):
  Grömping (2006), "Relative importance for linear regression in R: the package relaimpo", JSS 17(1),
  prints R² = 0.7067 and Education's LMG share 0.2601 (4 decimals, so |Δ| ≤ 5e-5). The other shares are
  checked to 1e-6 (in fact 1e-10) against an independent brute-force Shapley value over 31 statsmodels OLS
  fits, and pinned at 4 decimals.
* Johnson's relative weights on ``mtcars``: the R ``rwa`` package's vignettes (martinctc/rwa,
  articles/introduction-to-rwa.md and regression-methods.md) print raw weights to 7 significant digits
  (|Δ| ≤ 5e-8 for 0.2284797) and rescaled ones to 7 (|Δ| ≤ 5e-6 for 29.32274), R² 0.7791896.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pandas as pd
import pytest
import statsmodels.api as sm

from cxlens.stats import key_drivers

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "relimp"
pytestmark = pytest.mark.skipif(not (DATA / "swiss.csv").is_file(), reason="../shared/data/relimp is not present")

SWISS_IVS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]


def _brute_shapley(df: pd.DataFrame, dv: str, ivs: list[str]) -> dict[str, float]:
    def r2(subset: tuple[str, ...]) -> float:
        return 0.0 if not subset else float(sm.OLS(df[dv], sm.add_constant(df[list(subset)])).fit().rsquared)

    p = len(ivs)
    return {
        j: sum(
            math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p) * (r2((*s, j)) - r2(s))
            for k in range(p)
            for s in itertools.combinations([v for v in ivs if v != j], k)
        )
        for j in ivs
    }


def test_swiss_lmg_reproduces_relaimpo() -> None:
    swiss = pd.read_csv(DATA / "swiss.csv")
    result = key_drivers(swiss, "Fertility", SWISS_IVS)
    got = result.table.set_index("driver")["lmg"]
    assert result.fit["n"] == 47
    # published (Grömping 2006): R² 0.7067, Education 0.2601
    assert result.fit["r2"] == pytest.approx(0.7067, abs=5e-5)
    assert got["Education"] == pytest.approx(0.2601, abs=5e-5)
    # independent brute force, to 1e-6
    brute = _brute_shapley(swiss, "Fertility", SWISS_IVS)
    for name in SWISS_IVS:
        assert got[name] == pytest.approx(brute[name], abs=1e-6)
    # the five shares at relaimpo's printed precision
    expected = {
        "Agriculture": 0.0571,
        "Examination": 0.1712,
        "Education": 0.2601,
        "Catholic": 0.1056,
        "Infant.Mortality": 0.1128,
    }
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=5e-5)


RWA = {
    # rwa(mtcars, "mpg", c("cyl", "disp", "hp", "gear")): introduction-to-rwa.md
    ("cyl", "disp", "hp", "gear"): (
        {"cyl": 0.2284797, "disp": 0.2221469, "hp": 0.2321744, "gear": 0.0963886},
        {"cyl": 29.32274, "disp": 28.50999, "hp": 29.79691, "gear": 12.37037},
        0.7791896,
    ),
    # rwa_multiregress(mtcars, "mpg", c("cyl", "disp", "hp", "wt")): regression-methods.md
    ("cyl", "disp", "hp", "wt"): (
        {"cyl": 0.2096904, "disp": 0.1883043, "hp": 0.1799590, "wt": 0.2706812},
        {"cyl": 24.70914, "disp": 22.18908, "hp": 21.20570, "wt": 31.89607},
        None,
    ),
    # rwa(mtcars, "mpg", c("cyl", "disp", "hp", "gear", "wt")): introduction-to-rwa.md (8 decimals)
    ("cyl", "disp", "hp", "gear", "wt"): (
        {"wt": 0.23642417, "cyl": 0.18833374, "hp": 0.18809142, "disp": 0.16479802, "gear": 0.07345304},
        {"wt": 27.778646, "cyl": 22.128264, "hp": 22.099792, "disp": 19.362936, "gear": 8.630361},
        None,
    ),
}


@pytest.mark.parametrize("ivs", list(RWA))
def test_mtcars_relative_weights_reproduce_rwa(ivs: tuple[str, ...]) -> None:
    mtcars = pd.read_csv(DATA / "mtcars.csv")
    raw, rescaled, r2 = RWA[ivs]
    result = key_drivers(mtcars, "mpg", list(ivs))
    table = result.table.set_index("driver")
    for name in ivs:
        # half a unit of the last printed digit
        raw_tol = 5e-9 if len(ivs) == 5 else 5e-8
        assert table.loc[name, "rel_weight"] == pytest.approx(raw[name], abs=raw_tol)
        assert table.loc[name, "rel_weight_pct"] == pytest.approx(rescaled[name], abs=5e-6 if len(ivs) < 5 else 5e-7)
    if r2 is not None:
        assert result.fit["r2"] == pytest.approx(r2, abs=5e-8)
