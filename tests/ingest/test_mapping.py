from __future__ import annotations

from pathlib import Path

import pytest

from cxlens.exceptions import ConfigurationError, MappingError
from cxlens.ingest.mapping import infer_mapping, load_mapping


def test_chinese_headers_are_recognised() -> None:
    m = infer_mapping(["订单号", "客户编号", "下单时间", "实付金额", "门店", "备注"], "orders")
    assert m.columns == {
        "order_id": "订单号",
        "customer_id": "客户编号",
        "ordered_at": "下单时间",
        "amount": "实付金额",
        "channel": "门店",
    }
    assert m.ignore == ["备注"]


def test_english_headers_ignore_case_and_punctuation() -> None:
    m = infer_mapping(["Ticket ID", "Created", "Customer-ID", "First Reply At", "Status"], "tickets")
    assert m.columns["ticket_id"] == "Ticket ID"
    assert m.columns["first_response_at"] == "First Reply At"
    assert m.columns["customer_id"] == "Customer-ID"


def test_customer_extra_columns_become_attributes() -> None:
    m = infer_mapping(["customer_id", "name", "age", "会员等级"], "customers")
    assert m.attributes == ["age", "会员等级"]


def test_a_column_feeds_one_field_only() -> None:
    m = infer_mapping(["id", "text", "date", "type"], "feedback")
    assert m.columns == {"text": "text", "collected_at": "date", "source_type": "type", "feedback_id": "id"}


def test_check_names_missing_required_fields_and_columns() -> None:
    m = infer_mapping(["客户编号", "金额"], "orders")
    with pytest.raises(MappingError, match="required field.*order_id, ordered_at"):
        m.check(["客户编号", "金额"], "o.csv")
    m.columns["order_id"] = "单号"
    with pytest.raises(MappingError, match="not in the file: 单号"):
        m.check(["客户编号", "金额"], "o.csv")


def test_yaml_mapping_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "kind: tickets\ntimezone: Asia/Shanghai\ncolumns:\n  ticket_id: 编号\n  created_at: 时间\n"
        "values:\n  status: {处理完毕: resolved}\n",
        encoding="utf-8",
    )
    m = load_mapping(path)
    assert m.columns == {"ticket_id": "编号", "created_at": "时间"}
    assert m.values == {"status": {"处理完毕": "resolved"}}
    assert load_mapping(_save(tmp_path, m.to_yaml())).to_dict() == m.to_dict()


def _save(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "again.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("kind: invoices\n", MappingError, "kind"),
        ("kind: orders\ncolumns: {price: 价格}\n", MappingError, "no field.*price"),
        ("kind: orders\ntimezone: Mars/Base\n", ConfigurationError, "unknown time zone"),
        ("- just a list\n", MappingError, "must be a YAML mapping"),
    ],
)
def test_bad_mapping_files_say_why(tmp_path: Path, text: str, error: type[Exception], match: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=match):
        load_mapping(path)
