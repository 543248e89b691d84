"""Exports neutralise formula injection (OWASP CSV Injection): CSV, Excel, and the CSV writers in use."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from cxlens.export import FORMULA_PREFIXES, SafeDictWriter, frame_to_csv, neutralise, safe_frame, write_xlsx
from cxlens.ingest import read_table

ATTACKS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "＝1+1", "＋1", "－1", "＠SUM(A1)"]


@pytest.mark.parametrize("value", ATTACKS)
def test_every_formula_prefix_is_quoted(value: str) -> None:
    assert value.startswith(FORMULA_PREFIXES)
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["好评", "a=b", " =1", "", "'=already", "1-2"])
def test_other_text_is_left_alone(value: str) -> None:
    assert neutralise(value) == value


def test_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({"n": [-1, 2], "x": [-0.5, float("nan")], "t": ["-1", "ok"]})
    out = safe_frame(frame)
    assert out["n"].tolist() == [-1, 2] and out["x"].iloc[0] == -0.5 and out["t"].tolist() == ["'-1", "ok"]
    assert frame["t"].tolist() == ["-1", "ok"]  # the input is not changed


def test_csv_round_trip_through_the_importer_reads_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"=header": ATTACKS, "n": range(len(ATTACKS))})
    path = tmp_path / "out.csv"
    frame_to_csv(frame, path, bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[0] == ["'=header", "n"]
    assert [r[0] for r in rows[1:]] == ["'" + a for a in ATTACKS]
    assert not any(r[0].startswith(FORMULA_PREFIXES) for r in rows)
    assert read_table(path).table.column("'=header").to_pylist() == ["'" + a for a in ATTACKS]


def test_dict_writer_neutralises_header_and_rows() -> None:
    buffer = io.StringIO()
    writer = SafeDictWriter(buffer, fieldnames=["id", "@name"])
    writer.writeheader()
    writer.writerows([{"id": 1, "@name": '=HYPERLINK("http://evil")'}, {"id": -2, "@name": "李雷"}])
    assert buffer.getvalue().splitlines() == ["id,'@name", '1,"\'=HYPERLINK(""http://evil"")"', "-2,李雷"]


def test_xlsx_cells_are_text_never_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    frame = pd.DataFrame({"comment": ATTACKS, "score": range(len(ATTACKS))})
    path = write_xlsx({"feedback": frame}, tmp_path / "out.xlsx")
    sheet = load_workbook(path)["feedback"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # XML stores a CR in a cell as LF (it normalises line ends); the quote is what matters
    assert [c.value for c in sheet["A"][1:]] == ["'" + a.replace("\r", "\n") for a in ATTACKS]
    assert [c.value for c in sheet["B"][1:]] == list(range(len(ATTACKS)))
    assert read_table(path).table.column("comment").to_pylist() == [c.value for c in sheet["A"][1:]]
