"""Real files written by other people (../shared/data, see its SOURCES.md) through the plain import path.
Skipped when ../shared is absent."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens.exceptions import InvalidRowsError
from cxlens.ingest import import_file
from cxlens.ingest.mapping import infer_mapping
from cxlens.ingest.readers import read_table
from cxlens.store import Workspace

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not present")


def _one(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


def test_ibm_telco_customers_with_typed_attributes(workspace: Workspace) -> None:
    """7,043 customers × 21 columns; TotalCharges is blank for the 11 customers with tenure 0 (SOURCES.md)."""
    path = DATA / "churn" / "Telco-Customer-Churn.csv"
    report = import_file(workspace, path, "customers")
    assert (report.rows_read, report.inserted, report.rejected) == (7043, 7043, 0)
    assert report.mapping["columns"] == {"customer_id": "customerID"}
    types = dict(_one(workspace, "SELECT key, data_type FROM customer_attribute_keys"))
    assert types["TotalCharges"] == "number" and types["tenure"] == "number" and types["Churn"] == "text"
    assert _one(
        workspace,
        """SELECT count(*) FROM customer_attributes a JOIN customer_attribute_keys k
                              ON k.id = a.key_id WHERE k.key = 'TotalCharges'""",
    ) == [(7043 - 11,)]
    assert _one(
        workspace,
        """SELECT count(*) FROM customer_attributes a JOIN customer_attribute_keys k
                              ON k.id = a.key_id WHERE k.key = 'Churn' AND a.value_text = 'Yes'""",
    ) == [(1869,)]
    again = import_file(workspace, path, "customers")
    assert (again.inserted, again.updated, again.already_stored) == (0, 0, 7043)


def test_freshdesk_export_names_its_odd_status_then_imports_with_a_value_map(workspace: Workspace) -> None:
    path = DATA / "formats" / "tickets" / "devrev2ndproject__freshdesk_tickets.csv"
    with pytest.raises(InvalidRowsError) as caught:
        import_file(workspace, path, "tickets")
    assert [(i.row, i.column, i.value) for i in caught.value.issues] == [(11, "Status", "OpenPending")]
    assert workspace.counts()["tickets"] == 0
    mapping = infer_mapping(read_table(path).columns, "tickets")
    mapping.values = {"status": {"OpenPending": "pending"}}
    report = import_file(workspace, path, "tickets", mapping=mapping)
    assert (report.rows_read, report.inserted) == (45, 45)
    canonical = {
        "open": "open",
        "pending": "pending",
        "resolved": "resolved",
        "closed": "closed",
        "waiting on third party": "pending",
        "openpending": "pending",
    }
    with path.open(encoding="utf-8", newline="") as fh:
        expected = Counter(canonical[row["Status"].lower()] for row in csv.DictReader(fh))
    assert dict(_one(workspace, "SELECT status, count(*) FROM tickets GROUP BY 1")) == expected
    assert _one(workspace, "SELECT count(*) FROM tickets WHERE resolved_at < created_at") == [(0,)]
