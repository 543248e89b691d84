"""``cxlens value clv`` and ``cxlens value churn``: lifetime value (BG/NBD + Gamma-Gamma) and churn risk.

Thin calls into :mod:`cxlens.value.clv` and :mod:`cxlens.value.churn`, registered on the ``value`` group
of :mod:`cxlens.cli_value`; rich tables, or with ``--json`` one object with stable keys (``ok`` first).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import pandas as pd
import typer

from cxlens.cli_common import _lang, _print_json, records
from cxlens.cli_value import DirArg, JsonOpt, LangOpt, _workspace, out, show, value_app
from cxlens.i18n import label

__all__ = ["churn", "clv"]


def _estimates(result: Any) -> pd.DataFrame:
    frames = []
    for name, model in (("BG/NBD", result.transaction_model), ("Gamma-Gamma", result.spend_model)):
        table = model.summary.reset_index(names="param")
        table.insert(0, "model", name)
        table["log_likelihood"] = model.log_likelihood_
        table["n"] = model.n_
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


@value_app.command()
def clv(
    path: DirArg,
    horizon: Annotated[int, typer.Option(help="Months ahead to value.")] = 12,
    discount: Annotated[float, typer.Option(help="Monthly discount rate (0.01 = 1 % a month).")] = 0.01,
    calibration_end: Annotated[
        datetime | None, typer.Option(help="Fit on orders up to this day (default: the last order's day).")
    ] = None,
    top: Annotated[int, typer.Option(help="Customers to list, highest value first.")] = 10,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Customer lifetime value: BG/NBD purchases × Gamma-Gamma spend over a horizon, discounted monthly."""
    from cxlens.value.clv import clv as compute

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        result = compute(ws, horizon=horizon, discount_rate=discount, calibration_end=calibration_end)
    customers = result.customers.reset_index()
    if as_json:
        _print_json({"ok": True, **result.to_dict(), "top_customers": records(customers.head(top))})
        return
    show(_estimates(result), label("clv_models", lang))
    summary = result.to_dict()
    out.print(
        label(
            "clv_totals",
            lang,
            customers=summary["customers"],
            horizon=horizon,
            purchases=summary["expected_purchases"],
            total=summary["total_clv"],
        )
    )
    cols = ["customer_id", "frequency", "recency", "T", "monetary_value", "p_alive", "expected_purchases"]
    show(customers.head(top), label("clv_top", lang), [*cols, "expected_spend", "clv"])


@value_app.command()
def churn(
    path: DirArg,
    horizon: Annotated[int, typer.Option(help="The next period, in days.")] = 90,
    outcome: Annotated[
        str, typer.Option("--label", help="inactive (no activity in the period) or lapse (a long silence begins).")
    ] = "inactive",
    model: Annotated[str, typer.Option(help="logistic (exact explanations) or gbm (gradient boosting).")] = "logistic",
    top: Annotated[int, typer.Option(help="Customers to list, highest risk first.")] = 10,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Churn risk in the next period: out-of-time AUC and calibration, and each customer's top factors."""
    from cxlens.value.churn import churn_risk

    lang = _lang(lang)
    if outcome not in ("inactive", "lapse") or model not in ("logistic", "gbm"):
        with _workspace(path, as_json):
            raise ValueError(f"--label must be inactive or lapse and --model logistic or gbm, not {outcome}/{model}")
    with _workspace(path, as_json) as ws:
        result = churn_risk(ws, horizon_days=horizon, label=outcome, model=model)  # type: ignore[arg-type]
    if as_json:
        _print_json({"ok": True, **result.to_dict(top=top)})
        return
    ev = result.evaluation
    out.print(
        label(
            "churn_eval",
            lang,
            auc=ev["auc"],
            lo=ev["ci_low"],
            hi=ev["ci_high"],
            n=int(ev["n"]),
            pos=int(ev["n_pos"]),
            brier=ev["brier"],
        )
        + f"  (train ≤ {ev['train_cutoffs'][-1]}, test {ev['test_cutoff']}, score {ev['score_cutoff']})"
    )
    show(result.calibration, label("churn_calibration", lang))
    show(result.importance, label("churn_importance", lang))
    head = result.scores.head(top).reset_index()
    reasons = result.factors.groupby("customer_id")["feature"].agg(", ".join)
    head["top_factors"] = head["customer_id"].map(reasons).fillna("")
    show(head, label("churn_top", lang))
