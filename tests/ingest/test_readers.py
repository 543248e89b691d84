from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from cxlens.exceptions import ReadError
from cxlens.ingest.readers import detect_encoding, read_table

ROWS = "客户编号,姓名,金额\nC1,张三,10.5\nC2,李四,20\n"


def _write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
    ],
)
def test_encodings_are_detected_from_bytes_not_names(tmp_path: Path, encoding: str, expected: str) -> None:
    path = _write(tmp_path / "utf8_data.csv", ROWS, encoding)  # the name lies on purpose
    assert detect_encoding(path) == expected
    raw = read_table(path)
    assert raw.columns == ["客户编号", "姓名", "金额"]
    assert raw.table.column("姓名").to_pylist() == ["张三", "李四"]
    assert raw.table.column("__row").to_pylist() == [2, 3]


def test_western_excel_csv_is_cp1252(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", "name,comment\nJosé,très bien – merci\n", "cp1252")
    assert detect_encoding(path) == "cp1252"
    assert read_table(path).table.column("comment").to_pylist() == ["très bien – merci"]


def test_undecodable_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n1,2\ncaf\xe9 \x81,3\n")
    with pytest.raises(ReadError, match=r"bad.csv, row 3: byte at offset 11"):
        read_table(path)


def test_ragged_rows_are_reported_with_their_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.csv", 'id,text,n\n1,"two\nlines",3\n2,short\n3,ok,4\n4,a,b,c\n', "utf-8")
    raw = read_table(path)
    assert raw.table.column("id").to_pylist() == ["1", "3"]
    assert raw.table.column("__row").to_pylist() == [2, 4]
    assert [(i.row, i.reason) for i in raw.issues] == [
        (3, "has 2 fields but the header has 3"),
        (5, "has 4 fields but the header has 3"),
    ]


def test_tsv_and_semicolons_are_sniffed(tmp_path: Path) -> None:
    assert read_table(_write(tmp_path / "t.tsv", "a\tb\n1\t2\n", "utf-8")).delimiter == "\t"
    assert read_table(_write(tmp_path / "s.csv", "a;b\n1;2\n", "utf-8")).table.column("b").to_pylist() == ["2"]


def test_empty_and_headerless_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="empty"):
        read_table(_write(tmp_path / "e.csv", "", "utf-8"))
    with pytest.raises(ReadError, match="first row is empty"):
        read_table(_write(tmp_path / "h.csv", ",,\n1,2,3\n", "utf-8"))


def test_duplicate_header_names_are_kept_apart(tmp_path: Path) -> None:
    raw = read_table(_write(tmp_path / "d.csv", "q,q,\n1,2,3\n", "utf-8"))
    assert raw.columns == ["q", "q.2", "column_3"]


def test_xlsx_values_become_text_with_sheet_rows(tmp_path: Path) -> None:
    from datetime import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([])
    sheet.append(["订单号", "下单时间", "金额"])
    sheet.append(["O1", datetime(2025, 3, 1, 14, 30), 1001])
    sheet.append([None, None, None])
    sheet.append(["O2", datetime(2025, 3, 2), 12.5])
    book.save(tmp_path / "orders.xlsx")
    raw = read_table(tmp_path / "orders.xlsx")
    assert raw.format == "xlsx"
    assert raw.table.to_pylist() == [
        {"订单号": "O1", "下单时间": "2025-03-01 14:30:00", "金额": "1001", "__row": 3},
        {"订单号": "O2", "下单时间": "2025-03-02", "金额": "12.5", "__row": 5},
    ]


def test_missing_sheet_lists_the_sheets(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.save(tmp_path / "b.xlsx")
    with pytest.raises(ReadError, match="no sheet named 'x'; sheets are Sheet"):
        read_table(tmp_path / "b.xlsx", sheet="x")
