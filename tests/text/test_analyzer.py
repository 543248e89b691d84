from __future__ import annotations

from pathlib import Path

import pytest

from cxlens.text.analyzer import Analyzer, label_of
from cxlens.text.aspects import AspectLexicon
from cxlens.text.pipeline import AnalyzerSpec, analyze_texts
from cxlens.text.training import WORKSPACE_MODEL, train


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(aspects=AspectLexicon.template("retail"))


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("服务态度很好，非常满意", "positive"),
        ("质量太差了，再也不买了", "negative"),
        ("不太满意", "negative"),
        ("非常慢，等了两个小时", "negative"),
        ("没有问题，很好用", "positive"),
        ("快递很快，包装完好，好评！", "positive"),
        ("Great speaker, setup was easy", "positive"),
        ("Not bad at all", "positive"),
        ("Terrible support, never again", "negative"),
        ("订单号 A-1029", "neutral"),
        ("", "neutral"),
        ("👍👍👍", "positive"),
        ("😡", "negative"),
        ("❤️", "positive"),
        ("👍🏻", "positive"),
        ("😂😂", "neutral"),
        ("味道一般😡😡", "negative"),
        ("Food arrived 👍", "positive"),
    ],
)
def test_document_labels(analyzer: Analyzer, text: str, label: str) -> None:
    assert analyzer.analyze(text).label == label


def test_sentences_and_aspects_have_their_own_sentiment(analyzer: Analyzer) -> None:
    result = analyzer.analyze("味道很好吃。送餐太慢了，都凉了!")
    assert [s.label for s in result.sentences] == ["positive", "negative"]
    assert {a.aspect: a.label for a in result.aspects} == {"taste": "positive", "logistics": "negative"}
    assert -1 <= result.score <= 1
    assert "送餐" in result.keywords
    data = result.to_dict()
    assert set(data) == {"language", "label", "score", "aspects", "keywords", "sentences"}


def test_traditional_chinese_option() -> None:
    a = Analyzer(simplified=True)
    assert a.analyze("服務態度很差").label == "negative"


def test_label_bands() -> None:
    assert [label_of(x) for x in (-1, -0.2, -0.19, 0, 0.19, 0.2, 1)] == [
        "negative",
        "negative",
        "neutral",
        "neutral",
        "neutral",
        "positive",
        "positive",
    ]


def test_a_workspace_folder_uses_its_own_model_aspects_and_words(tmp_path: Path) -> None:
    # a domain where 小极 (the product's nickname) is praised and "bricked" is the complaint
    pos = ["小极好聪明", "小极反应快", "小极很贴心", "小极太棒了"] * 5
    neg = ["又变砖了", "变砖两次", "升级后变砖", "变砖没人管"] * 5
    model = train(pos + neg, [1] * 20 + [0] * 20, c=4.0, user_words=["小极", "变砖"])
    model.save(tmp_path / WORKSPACE_MODEL)
    (tmp_path / "text" / "aspects.yaml").write_text(
        "aspects:\n  firmware:\n    label: {zh: 固件, en: Firmware}\n    terms: [变砖, 升级]\n", encoding="utf-8"
    )
    (tmp_path / "text" / "userdict.txt").write_text("小极\n变砖\n", encoding="utf-8")
    ours = Analyzer.for_folder(tmp_path)
    assert ours.model.info["combine"] == "stack"
    result = ours.analyze("昨晚升级后变砖了")
    assert result.label == "negative"
    assert [a.aspect for a in result.aspects] == ["firmware"]
    assert "变砖" in ours.tokenizer.tokens("升级后变砖")


def test_process_pool_gives_the_same_results_in_order(analyzer: Analyzer) -> None:
    texts = ["服务很好", "太慢了", "The staff were rude", "还行"] * 150
    done: list[int] = []
    pooled = list(analyze_texts(texts, AnalyzerSpec(template="retail"), workers=2, progress=done.append))
    local = [analyzer.analyze(t) for t in texts]
    assert [r.score for r in pooled] == pytest.approx([r.score for r in local])
    assert sum(done) == len(texts)
