"""Scoring model files: the shipped default (the seeds' 40/20/20/10/10) and errors naming file, key and value."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cxlens.exceptions import ConfigurationError
from cxlens.quality.model import ModelError, ScoringModel, default_model, load_model, parse_model


def test_default_model_is_the_seeds_service_example() -> None:
    m = default_model()
    assert m.codes == ["satisfaction", "response_speed", "customisation", "problem_solving", "loyalty"]
    weights = m.estimator("direct").fit().weights_.to_dict()
    assert weights == pytest.approx(
        {"satisfaction": 0.4, "response_speed": 0.2, "customisation": 0.2, "problem_solving": 0.1, "loyalty": 0.1}
    )
    ahp = m.estimator("ahp").fit()  # the shipped expert judgements are consistent
    assert ahp.cr_ < 0.1
    assert m.estimator("benchmark").fit().weights_.to_dict() == pytest.approx(weights)
    assert m.criterion("response_speed").direction == "lower"  # first_response_hours: lower is better
    assert (
        m.tier_of(90) == "strategic" and m.tier_of(10) == "at_risk" and m.tier_of(float("nan")) == "insufficient_data"
    )


def test_a_model_file_round_trips(tmp_path: Path, model: ScoringModel) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(dict(model.raw), allow_unicode=True, sort_keys=False), encoding="utf-8")
    m = load_model(path)
    assert m.source == str(path) and m.name == "tiny"
    assert parse_model(yaml.safe_load(m.to_yaml())).codes == m.codes


def _bad(tmp_path: Path, model: ScoringModel, change: dict[str, object]) -> ModelError:
    data = yaml.safe_load(yaml.safe_dump(dict(model.raw)))
    for dotted, value in change.items():
        node = data
        *head, last = dotted.split(".")
        for key in head:
            node = node[key]
        node[last] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_model(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ConfigurationError) and isinstance(info.value, ValueError)
    return info.value


@pytest.mark.parametrize(
    ("change", "key", "value"),
    [
        ({"criteria.loyalty.indicator": "loyalty_points"}, "criteria.loyalty.indicator", "loyalty_points"),
        ({"criteria.loyalty.direction": "up"}, "criteria.loyalty.direction", "up"),
        ({"criteria.loyalty.normalise": {"method": "rank"}}, "criteria.loyalty.normalise.method", "rank"),
        ({"criteria.loyalty.normalise": {"method": "minmax", "range": [5]}}, "criteria.loyalty.normalise.range", [5]),
        ({"criteria.loyalty.colour": "red"}, "criteria.loyalty.colour", "red"),
        ({"criteria.customisation.params": {}}, "criteria.customisation.params", {}),
        ({"weights.direct.trust": 5}, "weights.direct.trust", 5),
        ({"weights.direct.loyalty": -1}, "weights.direct.loyalty", -1),
        ({"weights.use": "vote"}, "weights.use", "vote"),
        ({"weights.use": "ahp"}, "weights.use", "ahp"),
        ({"tiers": {"strategic": 50, "healthy": 70, "watch": 40}}, "tiers", None),
        ({"tiers.watch": 140}, "tiers.watch", 140),
        ({"min_coverage": 0}, "min_coverage", 0),
    ],
)
def test_errors_name_the_file_the_key_and_the_value(
    tmp_path: Path, model: ScoringModel, change: dict[str, object], key: str, value: object
) -> None:
    error = _bad(tmp_path, model, change)
    assert error.key == key
    if value is not None:
        assert error.value == value
        assert repr(value) in str(error)


def test_metric_criteria_and_unreadable_files(tmp_path: Path) -> None:
    m = parse_model({"criteria": {"csat": {"metric": "csat"}}})
    assert m.criterion("csat").metric == "csat" and m.criterion("csat").direction == "higher"
    with pytest.raises(ModelError, match="per period over a population"):
        parse_model({"criteria": {"r": {"metric": "retention_rate"}}}, "m.yaml")
    with pytest.raises(ModelError, match=r"m\.yaml: criteria: give at least one criterion"):
        parse_model({}, "m.yaml")
    with pytest.raises(ModelError, match="cannot read"):
        load_model(tmp_path / "missing.yaml")
    (tmp_path / "broken.yaml").write_text("criteria: [\n", encoding="utf-8")
    with pytest.raises(ModelError, match="not valid YAML"):
        load_model(tmp_path / "broken.yaml")
