"""Repeat-purchase summaries: the per-customer statistics the buy-till-you-die models are fitted on.

For each customer whose first purchase falls on or before the end of the calibration period:

* ``frequency`` (*x*): the number of **repeat** transactions in the calibration period — transactions after
  the first. With ``merge_same_day`` (the default, as in Fader, Hardie & Lee 2005) all purchases on one
  calendar day count as one transaction whose value is their sum.
* ``recency`` (*t_x*): the time from the first purchase to the last one (0 when *x* = 0).
* ``T``: the time from the first purchase to the end of the calibration period.
* ``monetary_value`` (*z̄*): the mean value of the repeat transactions (0 when *x* = 0) — the quantity the
  Gamma-Gamma spend model is fitted on (Fader & Hardie 2013); the first purchase is excluded.

Times are measured in ``unit`` (``"weeks"`` = days / 7, or ``"days"``) between calendar days (UTC); the
period ends are inclusive days, and ``T`` runs to the start of the last day, so that a cohort starting on
1997-01-01 with calibration to 1997-09-30 has T = 272 / 7 = 38.86 weeks, as in the CDNOW data.

:func:`calibration_and_holdout` adds the holdout period's repeat transactions, for validating forecasts
(Fader, Hardie & Lee 2005, §4). These are the names and layout of
``lifetimes.utils.calibration_and_holdout_data`` (CamDavidsonPilon/lifetimes:lifetimes/utils.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from cxlens.metrics.engines import Analytics
    from cxlens.store import Workspace

__all__ = ["UNITS", "calibration_and_holdout", "orders_summary", "summary_from_transactions", "workspace_orders"]

#: days in one time unit
UNITS: dict[str, float] = {"days": 1.0, "weeks": 7.0}
Unit = Literal["days", "weeks"]


def _day(value: date | datetime | str | pd.Timestamp, what: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what} must be a date, not {value!r}") from err
    if stamp is pd.NaT:
        raise ValueError(f"{what} must be a date, not {value!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.normalize()


def _days(
    transactions: pd.DataFrame, customer_col: str, datetime_col: str, monetary_col: str | None, merge_same_day: bool
) -> pd.DataFrame:
    """One row per transaction (per customer-day when merging): customer, day, value; checked."""
    for col in (customer_col, datetime_col, *([monetary_col] if monetary_col else [])):
        if col not in transactions.columns:
            raise ValueError(f"transactions have no column {col!r}; columns are {', '.join(map(str, transactions))}")
    raw = transactions[datetime_col]
    iso = None if pd.api.types.is_datetime64_any_dtype(raw) else "ISO8601"  # text: ISO 8601 dates only
    at = pd.to_datetime(raw, errors="coerce", format=iso)
    if getattr(at.dt, "tz", None) is not None:
        at = at.dt.tz_convert("UTC").dt.tz_localize(None)
    bad = at.isna() | transactions[customer_col].isna()
    if bad.any():
        row = transactions.index[bad.to_numpy()][0]
        raise ValueError(
            f"transactions: {int(bad.sum())} row(s) lack a customer or a valid (ISO 8601) "
            f"{datetime_col} (first: {row!r})"
        )
    value = (
        pd.to_numeric(transactions[monetary_col], errors="coerce")
        if monetary_col
        else pd.Series(0.0, index=transactions.index)
    )
    if monetary_col and value.isna().any():
        raise ValueError(f"transactions: {int(value.isna().sum())} row(s) have no numeric {monetary_col}")
    if (value < 0).any():
        row = transactions.index[(value < 0).to_numpy()][0]
        raise ValueError(
            f"transactions: {int((value < 0).sum())} row(s) have a negative {monetary_col} (first: {row!r}); "
            "net returns against their purchases before summarising"
        )
    frame = pd.DataFrame({"customer": transactions[customer_col].to_numpy(), "day": at.dt.normalize(), "value": value})
    if merge_same_day:
        frame = frame.groupby(["customer", "day"], sort=False, as_index=False)["value"].sum()
    return frame.sort_values(["customer", "day"], kind="stable").reset_index(drop=True)


def _summarise(days: pd.DataFrame, end: pd.Timestamp, unit_days: float) -> pd.DataFrame:
    g = days.groupby("customer", sort=True)
    first, last = g["day"].min(), g["day"].max()
    count, total = g.size(), g["value"].sum()
    first_value = g["value"].first()  # rows are sorted by day within a customer
    x = (count - 1).astype("int64")
    repeat_value = total - first_value
    out = pd.DataFrame(
        {
            "frequency": x,
            "recency": (last - first).dt.days / unit_days,
            "T": (end - first).dt.days / unit_days,
            "monetary_value": np.where(x > 0, repeat_value / x.where(x > 0, 1), 0.0),
        }
    )
    out.index.name = "customer_id"
    return out


def summary_from_transactions(
    transactions: pd.DataFrame,
    *,
    observation_end: date | datetime | str,
    customer_col: str = "customer_id",
    datetime_col: str = "ordered_at",
    monetary_col: str | None = "amount",
    unit: Unit = "weeks",
    merge_same_day: bool = True,
) -> pd.DataFrame:
    """Summarise transactions into frequency, recency, T and monetary_value per customer.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction (an order).
    observation_end : date
        The last day of the observation (calibration) period, inclusive; later transactions are ignored.
    unit : {"weeks", "days"}
        The unit of ``recency`` and ``T``.
    merge_same_day : bool
        Count all of a customer's purchases on one day as one transaction (value summed).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``; columns ``frequency``, ``recency``, ``T``, ``monetary_value``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "ordered_at": ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"],
    ...                    "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> s = summary_from_transactions(tx, observation_end="2024-01-29")
    >>> s.loc["a"].tolist()  # the two orders of 1 January are one transaction
    [1.0, 2.0, 4.0, 20.0]
    >>> s.loc["b"].tolist()
    [0.0, 0.0, 3.0, 0.0]
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    end = _day(observation_end, "observation_end")
    days = _days(transactions, customer_col, datetime_col, monetary_col, merge_same_day)
    days = days[days["day"] <= end]
    if days.empty:
        raise ValueError(f"no transactions on or before {end.date()}: nothing to summarise")
    return _summarise(days, end, UNITS[unit])


def calibration_and_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end: date | datetime | str,
    observation_end: date | datetime | str,
    customer_col: str = "customer_id",
    datetime_col: str = "ordered_at",
    monetary_col: str | None = "amount",
    unit: Unit = "weeks",
    merge_same_day: bool = True,
) -> pd.DataFrame:
    """Calibration-period summary plus the holdout period's repeat transactions.

    Customers are those whose first purchase is on or before ``calibration_end``. Columns:
    ``frequency_cal``, ``recency_cal``, ``T_cal``, ``monetary_value_cal``, ``frequency_holdout`` (the
    transactions in (calibration_end, observation_end]), ``monetary_value_holdout`` (their mean value, 0 if
    none) and ``duration_holdout`` (the holdout length in ``unit``).
    """
    cal_end = _day(calibration_end, "calibration_end")
    obs_end = _day(observation_end, "observation_end")
    if obs_end <= cal_end:
        raise ValueError(f"observation_end {obs_end.date()} must be after calibration_end {cal_end.date()}")
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    days = _days(transactions, customer_col, datetime_col, monetary_col, merge_same_day)
    cal = days[days["day"] <= cal_end]
    if cal.empty:
        raise ValueError(f"no transactions on or before {cal_end.date()}: no calibration customers")
    out = _summarise(cal, cal_end, UNITS[unit]).add_suffix("_cal")
    hold = days[(days["day"] > cal_end) & (days["day"] <= obs_end) & days["customer"].isin(out.index)]
    g = hold.groupby("customer")
    out["frequency_holdout"] = g.size().reindex(out.index, fill_value=0).astype("int64")
    out["monetary_value_holdout"] = g["value"].mean().reindex(out.index, fill_value=0.0)
    out["duration_holdout"] = (obs_end - cal_end).days / UNITS[unit]
    return out


def workspace_orders(where: Workspace | Analytics, *, customer_key: bool = False) -> pd.DataFrame:
    """A workspace's orders with a customer: ``customer_id`` (external id), ``ordered_at``, ``amount``,
    read through the metric layer's ``orders`` source (so on DuckDB or Spark alike)."""
    from cxlens.metrics.engines import Analytics
    from cxlens.metrics.sources import source

    an = where if isinstance(where, Analytics) else Analytics.for_workspace(where)
    rows = source(an.backend, "orders", {"customer_id"})
    rows = rows.filter(rows.customer_key.notnull())
    columns: dict[str, Any] = {"customer_id": rows.customer_id, "ordered_at": rows.at, "amount": rows.amount}
    if customer_key:
        columns["customer_key"] = rows.customer_key
    frame = an.execute(rows.select(**columns))
    frame["amount"] = frame["amount"].astype("float64").fillna(0.0)
    return frame


def orders_summary(
    where: Workspace | Analytics,
    *,
    calibration_end: date | datetime | str,
    observation_end: date | datetime | str | None = None,
    unit: Unit = "weeks",
    merge_same_day: bool = True,
) -> pd.DataFrame:
    """The repeat-purchase summary of a workspace's orders (:func:`summary_from_transactions`), or, with
    ``observation_end``, its calibration/holdout split (:func:`calibration_and_holdout`)."""
    orders = workspace_orders(where)
    if orders.empty:
        raise ValueError("the workspace has no orders linked to a customer: nothing to summarise")
    if observation_end is None:
        return summary_from_transactions(
            orders, observation_end=calibration_end, unit=unit, merge_same_day=merge_same_day
        )
    return calibration_and_holdout(
        orders,
        calibration_end=calibration_end,
        observation_end=observation_end,
        unit=unit,
        merge_same_day=merge_same_day,
    )
