"""The demo data set: 极光智能 / Aurora Smart Home, 24 months of customers, orders, tickets, feedback and
survey responses with planted effects for analyses to find (docs/demo.md describes every file and effect).

>>> files = generate(Path("demo"))          # doctest: +SKIP
>>> files.orders.name                       # doctest: +SKIP
'orders.csv'

Generation is deterministic for a seed: one ``numpy.random.default_rng(seed)`` whose spawned children feed
the parts of the world, so the same seed and scale give byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cxlens.datasets import demo_surveys as surveys
from cxlens.datasets.demo_feedback import make_feedback
from cxlens.datasets.demo_world import (
    apply_churn,
    fmt_decimal,
    fmt_time,
    make_customers,
    make_orders,
    make_tickets,
    order_day_weights,
    ticket_contacts,
    ticket_day_weights,
    ticket_table,
)

__all__ = ["CUSTOMER_ATTRIBUTES", "ROW_COUNTS", "DemoFiles", "generate"]

#: rows at ``scale=1`` (customers, feedback and responses exactly; orders and tickets about)
ROW_COUNTS = {"customers": 2400, "orders": 55_000, "tickets": 22_000, "feedback": 6000, **surveys.SURVEY_SIZES}
#: customers.csv columns beyond the canonical customer fields
CUSTOMER_ATTRIBUTES = ("age", "gender", "member_tier")
#: tickets are drawn before churn removes those created after a customer left; this many are drawn per kept one
_TICKET_OVERDRAW = 1.26
FEEDBACK_ENCODING = "gb18030"


@dataclass(frozen=True)
class DemoFiles:
    """Where :func:`generate` wrote the demo files."""

    folder: Path
    surveys: list[Path]  # survey definition YAML files, in the order they must be imported
    customers: Path
    orders: Path
    tickets: Path
    feedback: Path
    responses: dict[str, Path]  # survey code -> wide responses CSV

    @property
    def customers_truth(self) -> Path:
        """Hidden truth per customer (latent satisfaction, churn): not for import."""
        return self.folder / "customers_truth.csv"

    @property
    def feedback_truth(self) -> Path:
        """Ground-truth aspect and sentiment of each feedback text: not for import."""
        return self.folder / "feedback_truth.csv"


def _rows(kind: str, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(ROW_COUNTS[kind] * scale))


def _write_csv(frame: pd.DataFrame, path: Path, encoding: str = "utf-8") -> Path:
    frame.to_csv(path, index=False, encoding=encoding, lineterminator="\n")
    return path


def _write_surveys(folder: Path) -> list[Path]:
    paths = []
    for code, definition in surveys.definitions().items():
        path = folder / f"survey_{code}.yaml"
        text = yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, default_flow_style=None, width=200)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def generate(folder: Path, *, seed: int = 2026, scale: float = 1.0) -> DemoFiles:
    """Write the demo data set into ``folder`` (created if missing) and say where each file is.

    ``scale`` multiplies every row count (``ROW_COUNTS``); the same ``seed`` and ``scale`` always write
    byte-identical files.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # children are fixed by their index: the 8th (contacts) leaves the streams of the first seven unchanged
    r_cust, r_tick, r_churn, r_order, r_survey, r_feedback, r_text, r_contact = np.random.default_rng(seed).spawn(8)
    order_weights = order_day_weights()
    cust = make_customers(r_cust, _rows("customers", scale, 20))
    raw = make_tickets(r_tick, cust, _rows("tickets", scale) * _TICKET_OVERDRAW, ticket_day_weights(order_weights))
    tk = apply_churn(r_churn, cust, raw)
    ticket_contacts(r_contact, tk)
    tickets = ticket_table(r_text, cust, tk)
    orders = make_orders(r_order, cust, _rows("orders", scale), order_weights)
    responses = {
        "relationship_nps": surveys.relationship_nps(r_survey, cust, _rows("relationship_nps", scale, 8)),
        "post_ticket": surveys.post_ticket(r_survey, cust, tk, _rows("post_ticket", scale)),
        "satisfaction_2025": surveys.satisfaction(r_survey, cust, _rows("satisfaction_2025", scale)),
        "benchmark_stellar": surveys.benchmark(r_survey, cust, _rows("benchmark_stellar", scale)),
    }
    feedback, feedback_truth = make_feedback(r_feedback, cust, _rows("feedback", scale, 10), order_weights, scale)
    truth = pd.DataFrame(
        {
            "customer_id": cust.ids,
            "latent_satisfaction": fmt_decimal(cust.sat, 4),
            "churned": np.where(np.isfinite(cust.churn), "1", "0"),
            "churned_at": fmt_time(cust.churn),
        }
    )
    _write_csv(truth, folder / "customers_truth.csv")
    _write_csv(feedback_truth, folder / "feedback_truth.csv")
    return DemoFiles(
        folder=folder,
        surveys=_write_surveys(folder),
        customers=_write_csv(cust.table, folder / "customers.csv"),
        orders=_write_csv(orders, folder / "orders.csv"),
        tickets=_write_csv(tickets, folder / "tickets.csv"),
        feedback=_write_csv(feedback, folder / "feedback.csv", FEEDBACK_ENCODING),
        responses={code: _write_csv(frame, folder / f"responses_{code}.csv") for code, frame in responses.items()},
    )
