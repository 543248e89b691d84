"""Industry templates: every bundle validates; applying one loads survey, targets, lexicon and model into a
workspace, and the model then scores the template's own questionnaire."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from cxlens.exceptions import ConfigurationError
from cxlens.ingest import import_file
from cxlens.metrics import compute
from cxlens.model import tables as t
from cxlens.quality import load_model, score_customers
from cxlens.store import Workspace
from cxlens.templates import ALIASES, TEMPLATES, apply, list_templates, load
from cxlens.text.aspects import AspectLexicon

#: a phrase each template's own (added) aspects must recognise
OWN_ASPECT = {
    "generic": ("希望能提供更个性化的方案", "customisation"),
    "healthcare": ("医保报销太麻烦", "billing"),
    "technology": ("说明书写得看不懂", "documentation"),
    "retail": ("满减活动力度太小", "promotion"),
    "education": ("退费一直没处理", "learner_services"),
}


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_is_complete(name: str) -> None:
    tpl = load(name)
    assert tpl.survey.code == f"tpl_{name}_" + tpl.survey.code.split("_", 2)[2]
    assert len(tpl.survey.dimensions) >= 4 and len(tpl.survey.questions) >= 8
    assert all(set(q.text) == {"zh", "en"} for q in tpl.survey.questions)
    assert {"csat", "nps"} <= set(tpl.kpis) and all("target" in goal for goal in tpl.kpis.values())
    text, aspect = OWN_ASPECT[name]
    assert aspect in [m.aspect for m in tpl.lexicon().find(text)]
    # the template's lexicon extends the text package's own industry lexicon
    assert set(AspectLexicon.template(tpl.aspects["extends"]).aspects) < set(tpl.lexicon().aspects)
    weights = tpl.scoring.estimator(tpl.scoring.weights.use).fit().weights_
    assert weights.sum() == pytest.approx(1.0) and len(weights) == len(tpl.scoring.criteria)
    dims = {d.code for d in tpl.survey.dimensions}
    for c in tpl.scoring.criteria:  # every dimension a criterion reads is in the questionnaire
        if c.indicator == "dimension_score":
            wanted = c.params["dimension"]
            assert set(wanted if isinstance(wanted, list) else [wanted]) & dims, (name, c.code)


def test_generic_ships_the_seeds_default_model() -> None:
    tpl = load("service")
    assert tpl.name == ALIASES["service"] == "generic"
    assert tpl.scoring.name == "service_default"
    assert tpl.scoring.estimator("direct").fit().weights_.tolist() == pytest.approx([0.4, 0.2, 0.2, 0.1, 0.1])


def test_list_and_unknown() -> None:
    frame = list_templates("zh")
    assert frame["name"].tolist() == list(TEMPLATES)
    assert frame.set_index("name").loc["healthcare", "label"] == "医疗健康"
    with pytest.raises(ConfigurationError, match="unknown template 'bakery'"):
        load("bakery")


def test_apply_loads_everything_once(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    try:
        (ws.path / "targets.yaml").write_text("csat: {target: 70}\n", encoding="utf-8")
        done = apply(ws, "retail")
        assert done["survey_created"] is True and done["kept"] == []
        with ws.engine.connect() as conn:
            status = conn.execute(
                sa.select(t.surveys.c.status).where(t.surveys.c.code == "tpl_retail_shopper")
            ).scalar()
        assert status == "draft"
        targets = yaml.safe_load((ws.path / "targets.yaml").read_text(encoding="utf-8"))
        assert targets["csat"] == {"target": 70}  # an existing target is kept
        assert targets["repurchase_rate"] == {"target": 35.0, "benchmark": 25.0}
        lexicon = AspectLexicon.load(ws.path / "text" / "aspects.yaml")
        assert "promotion" in lexicon.aspects and "logistics" in lexicon.aspects
        assert load_model(ws.path / "quality" / "model.yaml").name == "retail"
        again = apply(ws, "retail")
        assert again["survey_created"] is False and again["targets_set"] == [] and len(again["kept"]) == 2
        forced = apply(ws, "retail", force=True)
        assert "csat" in forced["targets_set"] and forced["kept"] == []
        assert yaml.safe_load((ws.path / "targets.yaml").read_text(encoding="utf-8"))["csat"]["target"] == 85.0
    finally:
        ws.close()


def test_the_template_model_scores_its_questionnaire(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    try:
        apply(ws, "retail")
        (tmp_path / "c.csv").write_text("customer_id,segment\nK1,a\nK2,a\n", encoding="utf-8")
        (tmp_path / "o.csv").write_text(
            "order_id,customer_id,ordered_at,amount,category\n"
            "O1,K1,2025-01-05,10,X\nO2,K1,2025-02-05,10,Y\nO3,K2,2025-01-07,10,X\n",
            encoding="utf-8",
        )
        (tmp_path / "r.csv").write_text(
            "response_id,customer_id,submitted_at,csat,nps,gd_1,gd_2,sv_1,en_1\n"
            "R1,K1,2025-02-10,5,9,5,4,5,5\nR2,K2,2025-02-11,2,3,2,1,2,3\n",
            encoding="utf-8",
        )
        import_file(ws, tmp_path / "c.csv", "customers")
        import_file(ws, tmp_path / "o.csv", "orders")
        import_file(ws, tmp_path / "r.csv", "responses", survey="tpl_retail_shopper")
        sc = score_customers(ws, load_model(ws.path / "quality" / "model.yaml"))
        raw = sc.raw.set_axis(sc.customers["customer_id"]).round(3)
        # goods = mean of gd_1, gd_2 on 0–100: K1 (100 + 75)/2, K2 (25 + 0)/2
        assert raw.loc["K1", "goods"] == 87.5 and raw.loc["K2", "goods"] == 12.5
        assert raw.loc["K1", "repeat"] == 100 and raw.loc["K2", "repeat"] == 0
        scores = dict(zip(sc.customers["customer_id"], sc.customers["score"], strict=True))
        assert scores["K1"] > scores["K2"]
        # the template's KPI targets reach the metric layer
        frame = compute(ws, "csat")
        assert frame["target"].iloc[0] == 85.0 and bool(frame["attained"].iloc[0]) is False
    finally:
        ws.close()
