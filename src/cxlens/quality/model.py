"""The scoring model: criteria, weights and tiers in one readable YAML file.

::

    name: service_default
    label: {zh: 服务业客户关系质量, en: Service-industry relationship quality}
    criteria:                              # in display order; codes are the keys
      satisfaction:
        label: {zh: 客户满意度, en: Satisfaction}
        indicator: satisfaction            # a per-customer indicator (cxlens.quality.indicators) …
        # metric: csat                     # … or a registered metric computed per customer
        params: {question_types: [csat, nps]}
        direction: higher                  # default: the indicator's / metric's own
        normalise: {method: minmax, range: [0, 100]}   # minmax | zscore | target | benchmark
    weights:
      use: direct                          # direct | ahp | entropy | regression | benchmark
      direct: {satisfaction: 40, response_speed: 20}
      ahp:                                 # pairwise judgements "a/b: how many times a matters more than b"
        pairs: {satisfaction/response_speed: 2}
      benchmark: {source: "…", weights: {satisfaction: 0.35}}
      regression: {outcome: order_frequency, horizon_days: 180}
    tiers: {strategic: 75, healthy: 60, watch: 45}    # lower bounds; below watch is at_risk
    min_coverage: 0.5                      # score only customers whose present criteria carry ≥ 50 % weight

Every validation error names the file, the key and the value (:class:`ModelError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from cxlens.exceptions import ConfigurationError
from cxlens.metrics.registry import METRICS
from cxlens.quality.criteria import DIRECTIONS, NORMALISATIONS, Criterion, Normalisation
from cxlens.quality.indicators import INDICATORS
from cxlens.quality.weights import METHODS, AHPWeights, BenchmarkWeights, DirectWeights, WeightEstimator

__all__ = ["DEFAULT_MODEL", "TIERS", "ModelError", "ScoringModel", "default_model", "load_model", "parse_model"]

DEFAULT_MODEL = "service_default"
#: tier codes from best to worst; the last has no lower bound
TIERS = ("strategic", "healthy", "watch", "at_risk")
_NORMALISE_KEYS = {"method", "range", "mean", "sd", "target", "floor", "benchmark", "spread"}


class ModelError(ConfigurationError):
    """A scoring model file is invalid; ``file``, ``key`` and ``value`` say where."""

    def __init__(self, file: str, key: str, value: Any, reason: str) -> None:
        shown = "" if value is _MISSING else f": value {value!r}"
        super().__init__(f"{file}: {key}{shown}: {reason}")
        self.file, self.key, self.value = file, key, value


_MISSING = object()


@dataclass(frozen=True)
class WeightsSpec:
    """The weight settings of a model: which method the score uses, and each method's inputs."""

    use: str = "direct"
    direct: Mapping[str, float] = field(default_factory=dict)
    ahp: Mapping[str, Any] = field(default_factory=dict)
    benchmark: Mapping[str, Any] = field(default_factory=dict)
    regression: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoringModel:
    """A validated scoring model (see the module docstring for the file format)."""

    name: str
    label: Mapping[str, str]
    criteria: tuple[Criterion, ...]
    weights: WeightsSpec
    tiers: Mapping[str, float]
    min_coverage: float = 0.5
    min_days: float = 90.0
    description: str = ""
    reference: str = ""
    source: str = "<model>"
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.criteria]

    def criterion(self, code: str) -> Criterion:
        for c in self.criteria:
            if c.code == code:
                return c
        raise KeyError(code)

    def estimator(self, method: str) -> WeightEstimator:
        """The configured expert or peer estimator (direct, ahp, benchmark); entropy and regression learn
        from data and are built by :func:`cxlens.quality.score.fit_weights`."""
        w = self.weights
        if method == "direct" and w.direct:
            return DirectWeights(w.direct, f"{self.source} weights.direct")
        if method == "benchmark" and w.benchmark:
            return BenchmarkWeights(
                w.benchmark["weights"], str(w.benchmark.get("source", "")), f"{self.source} benchmark"
            )
        if method == "ahp" and w.ahp:
            return AHPWeights(_ahp_input(w.ahp), self.codes, name=f"{self.source} weights.ahp")
        raise ConfigurationError(f"{self.source}: the model sets no `weights.{method}`")

    def tier_of(self, score: float) -> str:
        """The tier of a 0–100 score: the first tier whose lower bound it reaches."""
        if score != score:  # NaN
            return "insufficient_data"
        for code, bound in self.tiers.items():
            if score >= bound:
                return code
        return TIERS[-1]

    def to_yaml(self) -> str:
        return yaml.safe_dump(dict(self.raw), allow_unicode=True, sort_keys=False, width=120)


def _ahp_input(spec: Mapping[str, Any]) -> Any:
    if "matrix" in spec:
        return spec["matrix"]
    return {tuple(str(k).split("/", 1)): v for k, v in spec["pairs"].items()}


def _fail(file: str, key: str, value: Any, reason: str) -> ModelError:
    return ModelError(file, key, value, reason)


def _label(value: Any, file: str, key: str, default: str) -> dict[str, str]:
    if value is None:
        return {"zh": default, "en": default}
    if isinstance(value, str):
        return {"zh": value, "en": value}
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in value.items()}
    raise _fail(file, key, value, "a label is a text or {zh: …, en: …}")


def _normalisation(spec: Any, file: str, key: str) -> Normalisation:
    spec = {"method": spec} if isinstance(spec, str) else spec
    if spec is None:
        spec = {"method": "minmax"}
    if not isinstance(spec, Mapping):
        raise _fail(file, key, spec, "normalise is a method name or a mapping {method: …}")
    unknown = sorted(set(spec) - _NORMALISE_KEYS)
    if unknown:
        raise _fail(
            file, f"{key}.{unknown[0]}", spec[unknown[0]], f"unknown key; keys are {', '.join(sorted(_NORMALISE_KEYS))}"
        )
    method = spec.get("method", "minmax")
    if method not in NORMALISATIONS:
        raise _fail(file, f"{key}.method", method, f"must be one of {', '.join(NORMALISATIONS)}")
    numbers: dict[str, float | None] = {}
    for name in ("mean", "sd", "target", "floor", "benchmark", "spread"):
        value = spec.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise _fail(file, f"{key}.{name}", value, "must be a number")
        numbers[name] = float(value) if value is not None else None
    bounds = spec.get("range")
    if bounds is not None and (
        not isinstance(bounds, list) or len(bounds) != 2 or not all(isinstance(b, int | float) for b in bounds)
    ):
        raise _fail(file, f"{key}.range", bounds, "must be [lo, hi]")
    try:
        return Normalisation(
            method,
            lo=bounds[0] if bounds else None,
            hi=bounds[1] if bounds else None,
            mean=numbers["mean"],
            sd=numbers["sd"],
            target=numbers["target"],
            floor=numbers["floor"],
            benchmark=numbers["benchmark"],
            spread=numbers["spread"],
        )
    except ConfigurationError as e:
        raise _fail(file, key, dict(spec), str(e)) from e


def _criterion(code: str, spec: Any, file: str) -> Criterion:
    key = f"criteria.{code}"
    if not isinstance(spec, Mapping):
        raise _fail(file, key, spec, "a criterion is a mapping with `indicator:` or `metric:`")
    allowed = {"label", "indicator", "metric", "params", "direction", "normalise", "help"}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise _fail(
            file, f"{key}.{unknown[0]}", spec[unknown[0]], f"unknown key; keys are {', '.join(sorted(allowed))}"
        )
    indicator, metric = spec.get("indicator"), spec.get("metric")
    if (indicator is None) == (metric is None):
        raise _fail(file, key, dict(spec), "give exactly one of `indicator` or `metric`")
    if indicator is not None and indicator not in INDICATORS:
        raise _fail(file, f"{key}.indicator", indicator, f"unknown indicator; indicators are {', '.join(INDICATORS)}")
    if metric is not None and metric not in METRICS:
        raise _fail(file, f"{key}.metric", metric, "unknown metric; see `cxlens metrics`")
    if metric is not None and "periodic" in METRICS[metric].options:
        raise _fail(file, f"{key}.metric", metric, "is defined per period over a population, not per customer")
    params = spec.get("params") or {}
    if not isinstance(params, Mapping):
        raise _fail(file, f"{key}.params", params, "params is a mapping")
    if indicator is not None:
        lacking = [p for p in INDICATORS[indicator].required if p not in params]
        if lacking:
            raise _fail(file, f"{key}.params", dict(params), f"indicator {indicator!r} needs `{lacking[0]}`")
    own = INDICATORS[indicator].direction if indicator else METRICS[str(metric)].direction
    direction = spec.get("direction", own)
    if direction not in DIRECTIONS:
        raise _fail(file, f"{key}.direction", direction, "must be higher or lower")
    return Criterion(
        code,
        _label(spec.get("label"), file, f"{key}.label", code),
        direction,
        _normalisation(spec.get("normalise"), file, f"{key}.normalise"),
        indicator=indicator,
        metric=metric,
        params=dict(params),
        help=str(spec.get("help") or ""),
    )


def _weights(spec: Any, codes: list[str], file: str) -> WeightsSpec:
    if not isinstance(spec, Mapping):
        raise _fail(file, "weights", spec, "weights is a mapping with `use:` and the methods' inputs")
    use = spec.get("use", "direct")
    if use not in METHODS:
        raise _fail(file, "weights.use", use, f"must be one of {', '.join(METHODS)}")
    unknown = sorted(set(spec) - {"use", *METHODS} - {"entropy"})
    if unknown:
        raise _fail(file, f"weights.{unknown[0]}", spec[unknown[0]], f"unknown key; keys are use, {', '.join(METHODS)}")
    out = WeightsSpec(
        use,
        dict(spec.get("direct") or {}),
        dict(spec.get("ahp") or {}),
        dict(spec.get("benchmark") or {}),
        dict(spec.get("regression") or {}),
    )
    for method in ("direct", "benchmark"):
        given = out.direct if method == "direct" else out.benchmark.get("weights", {})
        if method == "benchmark" and out.benchmark and not isinstance(given, Mapping):
            raise _fail(file, "weights.benchmark.weights", given, "must map each criterion to its weight")
        for name, value in (given or {}).items():
            if name not in codes:
                raise _fail(
                    file, f"weights.{method}.{name}", value, f"not a criterion; criteria are {', '.join(codes)}"
                )
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise _fail(file, f"weights.{method}.{name}", value, "a weight is a non-negative number")
    if out.ahp and not ({"pairs", "matrix"} & set(out.ahp)):
        raise _fail(file, "weights.ahp", dict(out.ahp), "give `pairs: {a/b: value}` or `matrix: [[…], …]`")
    if out.regression:
        outcome = out.regression.get("outcome")
        if outcome not in INDICATORS:
            raise _fail(file, "weights.regression.outcome", outcome, f"must be an indicator: {', '.join(INDICATORS)}")
        measure = out.regression.get("measure", "rel_weight")
        if measure not in ("rel_weight", "lmg"):
            raise _fail(file, "weights.regression.measure", measure, "must be rel_weight or lmg")
    if not getattr(out, use, True) and use not in ("entropy", "regression"):
        raise _fail(file, "weights.use", use, f"the model sets no `weights.{use}`")
    if use == "regression" and not out.regression:
        raise _fail(file, "weights.use", use, "regression weights need `weights.regression: {outcome: …}`")
    return out


def _tiers(spec: Any, file: str) -> dict[str, float]:
    spec = spec if spec is not None else {"strategic": 75, "healthy": 60, "watch": 45}
    if not isinstance(spec, Mapping) or set(spec) != set(TIERS[:-1]):
        raise _fail(file, "tiers", spec, f"tiers give the lower bounds of {', '.join(TIERS[:-1])}")
    bounds = []
    for code in TIERS[:-1]:
        value = spec[code]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise _fail(file, f"tiers.{code}", value, "a tier bound is a score from 0 to 100")
        bounds.append(float(value))
    if not bounds[0] > bounds[1] > bounds[2]:
        raise _fail(file, "tiers", dict(spec), "bounds must fall: strategic > healthy > watch")
    return dict(zip(TIERS[:-1], bounds, strict=True))


def parse_model(data: Mapping[str, Any], source: str = "<model>") -> ScoringModel:
    """Validate a parsed scoring model; errors name ``source``, the key and the value."""
    criteria_spec = data.get("criteria")
    if not isinstance(criteria_spec, Mapping) or not criteria_spec:
        raise _fail(
            source, "criteria", criteria_spec if criteria_spec is not None else _MISSING, "give at least one criterion"
        )
    criteria = tuple(_criterion(str(code), spec, source) for code, spec in criteria_spec.items())
    codes = [c.code for c in criteria]
    coverage = data.get("min_coverage", 0.5)
    if isinstance(coverage, bool) or not isinstance(coverage, int | float) or not 0 < coverage <= 1:
        raise _fail(source, "min_coverage", coverage, "a share of the total weight, in (0, 1]")
    min_days = data.get("min_days", 90)
    if isinstance(min_days, bool) or not isinstance(min_days, int | float) or min_days <= 0:
        raise _fail(source, "min_days", min_days, "a positive number of days")
    return ScoringModel(
        name=str(data.get("name") or Path(source).stem),
        label=_label(data.get("label"), source, "label", str(data.get("name") or "model")),
        criteria=criteria,
        weights=_weights(data.get("weights") or {"use": "direct", "direct": dict.fromkeys(codes, 1)}, codes, source),
        tiers=_tiers(data.get("tiers"), source),
        min_coverage=float(coverage),
        min_days=float(min_days),
        description=str(data.get("description") or ""),
        reference=str(data.get("reference") or ""),
        source=source,
        raw=dict(data),
    )


def load_model(path: str | Path) -> ScoringModel:
    """Read and validate a scoring model YAML file."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise ModelError(str(p), "(file)", _MISSING, f"cannot read the scoring model: {e.strerror or e}") from e
    except yaml.YAMLError as e:
        raise ModelError(str(p), "(file)", _MISSING, f"not valid YAML: {e}") from e
    if not isinstance(data, Mapping):
        raise ModelError(str(p), "(file)", _MISSING, "a scoring model is a YAML mapping")
    return parse_model(data, str(p))


def default_model(name: str = DEFAULT_MODEL) -> ScoringModel:
    """A scoring model shipped with cxlens (``service_default``: the seeds' service-industry example,
    satisfaction 40 %, response speed 20 %, customisation 20 %, problem solving 10 %, loyalty 10 %)."""
    ref = resources.files("cxlens.quality").joinpath("data", f"{name}.yaml")
    if not ref.is_file():
        raise ConfigurationError(f"no shipped scoring model {name!r}")
    return parse_model(yaml.safe_load(ref.read_text(encoding="utf-8")), f"cxlens:quality/data/{name}.yaml")
