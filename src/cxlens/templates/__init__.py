"""Industry templates (行业模板): healthcare, technology, retail, education/training and generic service, each
a YAML bundle (``templates/data/<name>.yaml``) of

* a **questionnaire** in the survey YAML format of :mod:`cxlens.ingest.surveys`, with its dimensions;
* **KPIs with default targets** and peer benchmarks, in the ``targets.yaml`` format the metric layer reads
  (``{metric: {target: …, benchmark: …}}``);
* an **aspect lexicon** in the text package's format (:mod:`cxlens.text.aspects`), which ``extends`` the
  shipped lexicon of the industry and adds the template's own aspects;
* a **scoring model** (:mod:`cxlens.quality.model`), inline or the name of a shipped one.

:func:`load` reads and validates a template; :func:`apply` loads one into a workspace: it stores the survey
(status draft), merges the KPI targets into ``targets.yaml``, writes ``text/aspects.yaml`` and
``quality/model.yaml``; existing files are kept unless ``force=True``.

>>> t = load("retail")
>>> t.survey.code, [d.code for d in t.survey.dimensions][:3]
('tpl_retail_shopper', ['goods', 'service', 'environment'])
>>> sorted(t.kpis)[:3]
['complaint_rate', 'cross_sell_rate', 'csat']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cxlens.exceptions import ConfigurationError
from cxlens.ingest.surveys import SurveyDef, install_survey, parse_survey
from cxlens.metrics.registry import METRICS
from cxlens.quality.model import ScoringModel, default_model, parse_model
from cxlens.store import Workspace
from cxlens.text.aspects import AspectLexicon

__all__ = ["ALIASES", "TEMPLATES", "Template", "apply", "list_templates", "load"]

TEMPLATES = ("generic", "healthcare", "technology", "retail", "education")
ALIASES = {"service": "generic", "training": "education", "medical": "healthcare", "tech": "technology"}
MODEL_FILE = Path("quality") / "model.yaml"
ASPECTS_FILE = Path("text") / "aspects.yaml"
TARGETS_FILE = "targets.yaml"


@dataclass(frozen=True)
class Template:
    """A validated industry template."""

    name: str
    label: Mapping[str, str]
    description: Mapping[str, str]
    seeds: str
    survey: SurveyDef
    kpis: Mapping[str, Mapping[str, float]]
    aspects: Mapping[str, Any]
    scoring: ScoringModel
    raw: Mapping[str, Any] = field(default_factory=dict)

    def title(self, lang: str) -> str:
        return str(self.label.get(lang) or self.name)

    def lexicon(self) -> AspectLexicon:
        return AspectLexicon.from_dict({"name": self.name, **dict(self.aspects)})


def _canonical(name: str) -> str:
    key = ALIASES.get(name, name)
    if key not in TEMPLATES:
        raise ConfigurationError(f"unknown template {name!r}; templates are {', '.join(TEMPLATES)}")
    return key


def _kpis(spec: Any, where: str) -> dict[str, dict[str, float]]:
    if not isinstance(spec, Mapping):
        raise ConfigurationError(f"{where}: kpis: must map each metric to {{target: …, benchmark: …}}")
    out: dict[str, dict[str, float]] = {}
    for metric, goal in spec.items():
        if metric not in METRICS:
            raise ConfigurationError(f"{where}: kpis.{metric}: not a metric (see `cxlens metrics`)")
        if not isinstance(goal, Mapping) or not set(goal) <= {"target", "benchmark"} or not goal:
            raise ConfigurationError(f"{where}: kpis.{metric}: value {goal!r}: give target and/or benchmark")
        out[str(metric)] = {str(k): float(v) for k, v in goal.items()}
    return out


def _read(name: str) -> tuple[str, dict[str, Any]]:
    where = f"cxlens:templates/data/{name}.yaml"
    text = resources.files("cxlens.templates").joinpath("data", f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ConfigurationError(f"{where}: a template is a YAML mapping")
    return where, data


def load(name: str) -> Template:
    """The industry template ``name`` (one of :data:`TEMPLATES`, or an alias such as ``training``)."""
    key = _canonical(name)
    where, data = _read(key)
    for required in ("survey", "kpis", "aspects", "scoring"):
        if required not in data:
            raise ConfigurationError(f"{where}: a template needs `{required}`")
    scoring = data["scoring"]
    model = default_model(scoring) if isinstance(scoring, str) else parse_model(scoring, f"{where} scoring")
    aspects = data["aspects"]
    try:
        AspectLexicon.from_dict({"name": key, **aspects})
    except ValueError as e:
        raise ConfigurationError(f"{where}: aspects: {e}") from e
    return Template(
        name=key,
        label={str(k): str(v) for k, v in (data.get("label") or {"en": key}).items()},
        description={str(k): str(v) for k, v in (data.get("description") or {}).items()},
        seeds=str(data.get("seeds") or ""),
        survey=parse_survey(data["survey"], f"{where} survey"),
        kpis=_kpis(data["kpis"], where),
        aspects=dict(aspects),
        scoring=model,
        raw=data,
    )


def list_templates(lang: str = "en") -> pd.DataFrame:
    """Every template: name, label, survey code, number of questions and dimensions, KPIs and criteria."""
    rows = []
    for name in TEMPLATES:
        t = load(name)
        rows.append(
            {
                "name": name,
                "label": t.title(lang),
                "survey": t.survey.code,
                "questions": len(t.survey.questions),
                "dimensions": ", ".join(d.code for d in t.survey.dimensions),
                "kpis": ", ".join(t.kpis),
                "criteria": ", ".join(t.scoring.codes),
                "seeds": t.seeds,
            }
        )
    return pd.DataFrame(rows)


def _merge_targets(path: Path, kpis: Mapping[str, Mapping[str, float]], force: bool) -> list[str]:
    current: dict[str, Any] = {}
    if path.is_file():
        from cxlens.config import read_yaml_mapping

        current = dict(read_yaml_mapping(path, "targets file", ConfigurationError))
    changed = []
    for metric, goal in kpis.items():
        if metric in current and not force:
            continue
        current[metric] = dict(goal)
        changed.append(metric)
    if changed:
        path.write_text(yaml.safe_dump(current, allow_unicode=True, sort_keys=True), encoding="utf-8")
    return changed


def _write(path: Path, text: str, force: bool) -> bool:
    if path.exists() and not force:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def apply(ws: Workspace, name: str, *, force: bool = False) -> dict[str, Any]:
    """Load template ``name`` into workspace ``ws``: store its survey (nothing changes when the same survey
    is already stored), add its KPI targets to ``targets.yaml`` (keeping targets already set unless
    ``force``), and write its aspect lexicon and scoring model (keeping existing files unless ``force``).
    Returns what was done."""
    t = load(name)
    with ws.begin() as conn:
        _, created = install_survey(conn, t.survey)
    targets = _merge_targets(ws.path / TARGETS_FILE, t.kpis, force)
    header = f"# {t.title('zh')} / {t.title('en')}: aspect lexicon of the {t.name} template (edit freely)\n"
    aspects_doc = yaml.safe_dump({"name": t.name, **dict(t.aspects)}, allow_unicode=True, sort_keys=False, width=120)
    wrote_aspects = _write(ws.path / ASPECTS_FILE, header + aspects_doc, force)
    model_doc = f"# scoring model of the {t.name} template (cxlens score {ws.path} uses it)\n" + t.scoring.to_yaml()
    wrote_model = _write(ws.path / MODEL_FILE, model_doc, force)
    return {
        "template": t.name,
        "survey": t.survey.code,
        "survey_created": created,
        "targets_set": targets,
        "aspects_file": str(ws.path / ASPECTS_FILE) if wrote_aspects else None,
        "model_file": str(ws.path / MODEL_FILE) if wrote_model else None,
        "kept": [str(p) for p, wrote in ((ASPECTS_FILE, wrote_aspects), (MODEL_FILE, wrote_model)) if not wrote],
    }
