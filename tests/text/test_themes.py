from __future__ import annotations

from cxlens.text.themes import cluster_themes, emerging_terms, textrank, tfidf_keywords


def test_tfidf_keywords_skip_stop_words_and_single_characters() -> None:
    docs = [["送餐", "太慢", "的"], ["送餐", "慢死了"], ["送餐", "凉了"], ["味道", "不错"]]
    terms = [t for t, _ in tfidf_keywords(docs)]
    assert terms[0] == "送餐" and "的" not in terms


def test_textrank_prefers_the_connected_word() -> None:
    assert textrank(["送餐", "太慢", "送餐", "凉了", "骑手", "送餐"], top=1)[0][0] == "送餐"
    assert textrank([]) == []


def test_emerging_terms_flag_growth_not_steady_terms() -> None:
    baseline = [["送餐", "太慢"]] * 100 + [["味道", "不错"]] * 100
    current = [["送餐", "太慢"]] * 50 + [["门锁", "掉线"]] * 20 + [["味道", "不错"]] * 30
    found = emerging_terms(current, baseline)
    assert [e.term for e in found] == ["门锁", "掉线"] or [e.term for e in found] == ["掉线", "门锁"]
    assert found[0].count == 20 and found[0].z > 3
    assert emerging_terms([], baseline) == []


def test_clusters_group_similar_complaints_with_quotes() -> None:
    texts = (
        [f"送餐太慢了，等了{i}分钟" for i in range(20, 40)]
        + [f"门锁掉线第{i}次了，要重新配网" for i in range(20)]
        + [f"客服态度很差，挂了我{i}次电话" for i in range(20)]
    )
    docs = [["送餐", "太慢", "等了"]] * 20 + [["门锁", "掉线", "配网"]] * 20 + [["客服", "态度", "很差", "电话"]] * 20
    themes = cluster_themes(docs, texts, [-0.5] * 60, n_themes=3)
    assert sorted(t.size for t in themes) == [20, 20, 20]
    labels = {t.label.split(" / ")[0] for t in themes} | {t.label for t in themes}
    assert any("送餐" in label for label in labels) and any("门锁" in label or "掉线" in label for label in labels)
    for t in themes:
        assert len(t.quotes) == 3 and t.mean_score == -0.5
        first = texts[t.members[0]][:2]
        assert all(q[:2] == first for q in t.quotes)
    assert cluster_themes([["好"]], ["好"]) == []
