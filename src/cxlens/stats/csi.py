"""Customer satisfaction index models: the ACSI, ECSI and China CSI structural models as templates, any survey
mapped onto a template's constructs, estimated by PLS path modelling (:mod:`cxlens.stats.structural`), and the
0–100 index score of every construct, overall and per segment or period.

Templates (constructs and paths; ``TEMPLATES``):

* **ACSI** — American Customer Satisfaction Index (Fornell, Johnson, Anderson, Cha & Bryant 1996, *J. Marketing*
  60(4)): expectations → quality, value, satisfaction; quality → value, satisfaction; value → satisfaction;
  satisfaction → complaints, loyalty; complaints → loyalty.
* **ECSI** — European CSI (ECSI Technical Committee 1998; Tenenhaus, Esposito Vinzi, Chatelin & Lauro 2005,
  *CSDA* 48): the ACSI plus corporate **image** → expectations, satisfaction, loyalty — the model fitted to the
  ``mobi`` data in tests/external/test_stats_plspm.py.
* **CCSI** — China Customer Satisfaction Index (清华大学中国企业研究中心 / 中国标准化研究院, 2002–2003): six
  constructs — 品牌形象 brand image, 预期质量 expected quality, 感知质量 perceived quality, 感知价值 perceived value,
  顾客满意度 satisfaction, 顾客忠诚 loyalty — and eleven paths: image → expected quality, perceived quality,
  perceived value, satisfaction; expected quality → perceived quality, perceived value, satisfaction; perceived
  quality → perceived value, satisfaction; perceived value → satisfaction; satisfaction → loyalty. There are no
  complaints in the CCSI.

**Mapping.** A mapping names, for each construct, the survey questions that measure it (YAML or a dict)::

    template: ecsi            # optional; must agree with the template asked for
    scheme: path              # optional inner weighting scheme
    constructs:
      PERQ: [sq_1, sq_2, sq_3, pp_1, pp_2, pp_3]
      PERV: [pr_1, pr_2]
      CUSA: [overall]
      CUSL: [repurchase_intent]
    modes: {}                 # optional: construct → "A" | "B"

Construct keys are the template's codes (``IMAG``, ``CUEX``, ``PERQ``, ``PERV``, ``CUSA``, ``CUSCO``,
``CUSL``) or their names (``image``, ``expectations``, ``perceived_quality``, ``perceived_value``,
``satisfaction``, ``complaints``, ``loyalty``), in any case. Unmapped constructs are dropped with their paths;
the satisfaction construct must be mapped and every kept construct must stay in a path.

**Index.** Fornell et al. (1996, eq. 4): with the PLS outer weights rescaled to the items' own units and
normalised to sum to 1 within a construct (``w̃_k``; :meth:`PLSPMFitter.unstandardized_weights`), the
construct's index is ``(Σ_k w̃_k x̄_k − min) / (max − min) · 100`` where ``min``/``max`` are the same weighted sum
at the items' scale ends (for a 1–10 scale: ``(Σ w̃ x̄ − 1)/9 · 100``). Per segment or period the weights of the
pooled model are kept and the means are the group's; the interval is a t interval over respondents' index
values (missing answers filled with the group's item mean, which leaves the group index unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats as sps

from cxlens.stats.structural import PLSPMFitter

__all__ = ["TEMPLATES", "CSIResult", "CSITemplate", "Construct", "csi", "csi_model", "load_mapping"]


@dataclass(frozen=True)
class Construct:
    """A latent construct of a template: code, bilingual name and the questions it is usually measured by."""

    code: str
    key: str
    name_zh: str
    name_en: str
    suggested_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class CSITemplate:
    """A satisfaction-index model: constructs, structural paths, the index construct and its source."""

    code: str
    name: str
    reference: str
    constructs: tuple[Construct, ...]
    paths: tuple[tuple[str, str], ...]
    satisfaction: str = "CUSA"

    def construct(self, key: str) -> Construct:
        low = key.strip().lower()
        for c in self.constructs:
            if low in (c.code.lower(), c.key, c.name_en.lower(), c.name_zh):
                return c
        names = ", ".join(f"{c.code} ({c.key})" for c in self.constructs)
        raise ValueError(f"{self.code.upper()} has no construct {key!r}; it has {names}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "reference": self.reference,
            "constructs": [c.__dict__ | {"suggested_items": list(c.suggested_items)} for c in self.constructs],
            "paths": [list(p) for p in self.paths],
        }


_IMAG = Construct(
    "IMAG",
    "image",
    "品牌形象",
    "Image",
    (
        "It can be trusted in what it says and does",
        "It is stable and firmly established",
        "It has a social contribution to society",
        "It is concerned with customers",
        "It is innovative and forward looking",
    ),
)
_CUEX = Construct(
    "CUEX",
    "expectations",
    "顾客预期",
    "Customer expectations",
    (
        "Expectations for the overall quality at the moment you became a customer",
        "Expectations that the products and services would meet your personal needs",
        "How often did you expect things could go wrong",
    ),
)
_PERQ = Construct(
    "PERQ",
    "perceived_quality",
    "感知质量",
    "Perceived quality",
    (
        "Overall perceived quality",
        "Technical quality of the product",
        "Personal advice and service offered",
        "Information provided",
        "Reliability",
        "Range of products and services",
        "Clarity and transparency of billing",
    ),
)
_PERV = Construct(
    "PERV",
    "perceived_value",
    "感知价值",
    "Perceived value",
    ("Quality given the price you pay", "Price given the quality you get"),
)
_CUSA = Construct(
    "CUSA",
    "satisfaction",
    "顾客满意度",
    "Customer satisfaction",
    (
        "Overall satisfaction",
        "Fulfilment of expectations",
        "How well does it compare with your ideal",
    ),
)
_CUSCO = Construct(
    "CUSCO",
    "complaints",
    "顾客抱怨",
    "Customer complaints",
    ("How well, or poorly, was your most recent complaint handled (or: did you complain, 1/0)",),
)
_CUSL = Construct(
    "CUSL",
    "loyalty",
    "顾客忠诚",
    "Customer loyalty",
    (
        "Would you choose the same company again",
        "How much could the price rise before you would switch",
        "Would you recommend the company to friends and colleagues",
    ),
)
_ACSI_PATHS = (
    ("CUEX", "PERQ"),
    ("CUEX", "PERV"),
    ("CUEX", "CUSA"),
    ("PERQ", "PERV"),
    ("PERQ", "CUSA"),
    ("PERV", "CUSA"),
    ("CUSA", "CUSCO"),
    ("CUSA", "CUSL"),
    ("CUSCO", "CUSL"),
)

TEMPLATES: dict[str, CSITemplate] = {
    "acsi": CSITemplate(
        "acsi",
        "American Customer Satisfaction Index",
        "Fornell, Johnson, Anderson, Cha & Bryant (1996), J. Marketing 60(4), 7–18",
        (_CUEX, _PERQ, _PERV, _CUSA, _CUSCO, _CUSL),
        _ACSI_PATHS,
    ),
    "ecsi": CSITemplate(
        "ecsi",
        "European Customer Satisfaction Index",
        "Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), CSDA 48(1), 159–205",
        (_IMAG, _CUEX, _PERQ, _PERV, _CUSA, _CUSCO, _CUSL),
        (("IMAG", "CUEX"), ("IMAG", "CUSA"), ("IMAG", "CUSL"), *_ACSI_PATHS),
    ),
    "ccsi": CSITemplate(
        "ccsi",
        "China Customer Satisfaction Index (中国顾客满意度指数)",
        "清华大学中国企业研究中心 / 中国标准化研究院 CCSI model (2002–2003)",
        (
            _IMAG,
            Construct("CUEX", "expected_quality", "预期质量", "Expected quality", _CUEX.suggested_items),
            _PERQ,
            _PERV,
            _CUSA,
            _CUSL,
        ),
        (
            ("IMAG", "CUEX"),
            ("IMAG", "PERQ"),
            ("IMAG", "PERV"),
            ("IMAG", "CUSA"),
            ("CUEX", "PERQ"),
            ("CUEX", "PERV"),
            ("CUEX", "CUSA"),
            ("PERQ", "PERV"),
            ("PERQ", "CUSA"),
            ("PERV", "CUSA"),
            ("CUSA", "CUSL"),
        ),
    ),
}


def _template(template: str | CSITemplate) -> CSITemplate:
    if isinstance(template, CSITemplate):
        return template
    key = str(template).strip().lower().replace("-", "").replace("china", "c").replace("_", "")
    key = {"chinacsi": "ccsi", "ccsi": "ccsi"}.get(key, key)
    if key not in TEMPLATES:
        raise ValueError(f"unknown CSI template {template!r}; templates are {', '.join(TEMPLATES)}")
    return TEMPLATES[key]


def load_mapping(mapping: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Read a mapping (YAML file path or dict; module docstring) into ``{constructs, modes, template, scheme}``.

    A plain ``{construct: [questions]}`` dict (no ``constructs`` key) is accepted too.
    """
    if isinstance(mapping, str | Path):
        path = Path(mapping)
        if not path.is_file():
            raise ValueError(f"mapping file {path} does not exist")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise ValueError(f"mapping file {path} is not valid YAML: {e}") from e
        raw: Any = loaded
    else:
        raw = dict(mapping)
    if not isinstance(raw, Mapping):
        raise ValueError("a CSI mapping must be a mapping of constructs to question codes")
    if "constructs" in raw:
        constructs = raw["constructs"]
    else:  # the short form: the mapping itself is {construct: [questions]}
        constructs = {k: v for k, v in raw.items() if k not in ("template", "scheme", "modes")}
    if not isinstance(constructs, Mapping) or not constructs:
        raise ValueError("the mapping has no constructs: give `constructs: {CONSTRUCT: [question, ...]}`")
    clean: dict[str, list[str]] = {}
    for key, items in constructs.items():
        values = [items] if isinstance(items, str) else items
        if not isinstance(values, Sequence) or not values or not all(isinstance(v, str) for v in values):
            raise ValueError(f"construct {key!r}: give a non-empty list of question codes, not {items!r}")
        clean[str(key)] = list(values)
    modes = raw.get("modes") or {}
    if not isinstance(modes, Mapping):
        raise ValueError("modes must map constructs to 'A' or 'B'")
    return {"constructs": clean, "modes": dict(modes), "template": raw.get("template"), "scheme": raw.get("scheme")}


def _model(
    tpl: CSITemplate, mapping: dict[str, Any]
) -> tuple[dict[str, list[str]], dict[str, str], list[tuple[str, str]]]:
    if mapping.get("template") and _template(mapping["template"]).code != tpl.code:
        raise ValueError(f"the mapping is for {mapping['template']!r}, not {tpl.code!r}")
    blocks: dict[str, list[str]] = {}
    for key, items in mapping["constructs"].items():
        code = tpl.construct(key).code
        if code in blocks:
            raise ValueError(f"construct {code} is mapped twice")
        blocks[code] = items
    if tpl.satisfaction not in blocks:
        raise ValueError(
            f"the mapping must measure satisfaction ({tpl.satisfaction}): it is the index the model explains"
        )
    modes = {tpl.construct(k).code: str(v).upper() for k, v in mapping.get("modes", {}).items()}
    paths = [(s, t) for s, t in tpl.paths if s in blocks and t in blocks]
    order = [c.code for c in tpl.constructs if c.code in blocks]
    return {c: blocks[c] for c in order}, modes, paths


@dataclass
class CSIResult:
    """A fitted CSI model: the PLS estimates, the item weights and the 0–100 index per construct (and group)."""

    template: CSITemplate
    model: PLSPMFitter
    weights: pd.DataFrame
    index: pd.DataFrame
    dropped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: template, fit facts, every PLS table, the weights and the index."""
        return {
            "template": self.template.code,
            "dropped_constructs": self.dropped,
            **self.model.summary,
            "weights": self.weights.to_dict(orient="records"),
            "index": _records(self.index),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    rows = clean.to_dict(orient="records")
    for row in rows:
        for k, v in row.items():
            if isinstance(v, pd.Timestamp):
                row[k] = v.isoformat()
    return [dict(r) for r in rows]


def _scales(
    items: list[str], scales: Mapping[str, tuple[float, float]] | tuple[float, float] | None
) -> dict[str, tuple[float, float]]:
    if scales is None:
        raise ValueError(
            "give scales= (item → (min, max), or one (min, max) for all items): the index needs scale ends"
        )
    if isinstance(scales, tuple):
        return dict.fromkeys(items, (float(scales[0]), float(scales[1])))
    missing = [i for i in items if i not in scales or not np.isfinite(scales[i]).all()]
    if missing:
        raise ValueError(f"no scale (min, max) for item(s) {', '.join(missing)}: the 0–100 index needs one")
    return {i: (float(scales[i][0]), float(scales[i][1])) for i in items}


def _index(
    data: pd.DataFrame, weights: pd.DataFrame, scales: dict[str, tuple[float, float]], groups: list[str], ci: float
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    parts = data.groupby(groups, sort=True, observed=True, dropna=True) if groups else [((), data)]
    for key, frame in parts:
        label = dict(zip(groups, key if isinstance(key, tuple) else (key,), strict=True))
        for construct, w in weights.groupby("construct", sort=False):
            items = list(w["item"])
            x = frame[items].apply(pd.to_numeric, errors="coerce")
            x = x[x.notna().any(axis=1)]
            x = x.fillna(x.mean())
            wt = w.set_index("item")["weight"].reindex(items).to_numpy()
            lo = np.array([scales[i][0] for i in items])
            hi = np.array([scales[i][1] for i in items])
            low, high = np.minimum(wt * lo, wt * hi).sum(), np.maximum(wt * lo, wt * hi).sum()
            values = ((x.to_numpy(float) @ wt) - low) / (high - low) * 100
            values = values[np.isfinite(values)]
            n = len(values)
            mean = float(values.mean()) if n else np.nan
            half = float(sps.t.ppf(0.5 + ci / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
            rows.append(
                {**label, "construct": construct, "index": mean, "n": n, "ci_low": mean - half, "ci_high": mean + half}
            )
    return pd.DataFrame(rows)


def csi_model(
    data: pd.DataFrame,
    template: str | CSITemplate,
    mapping: str | Path | Mapping[str, Any],
    *,
    scales: Mapping[str, tuple[float, float]] | tuple[float, float] | None = None,
    by: Sequence[str] = (),
    scheme: str | None = None,
    missing: str = "mean",
    n_boot: int = 0,
    seed: int | None = 0,
    ci: float = 0.95,
) -> CSIResult:
    """Fit a CSI template to survey answers and compute each construct's 0–100 index.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, one column per question (:func:`cxlens.stats.survey_frame`).
    template : {"acsi", "ecsi", "ccsi"} or CSITemplate
    mapping : path of a YAML file or dict (module docstring)
    scales : mapping item → (min, max), or one (min, max)
        The answer scale of each item (needed for the 0–100 rescaling).
    by : sequence of str
        Group columns for the index (segment, region, period …); the model is fitted once on all rows.
    scheme : {"path", "centroid", "factorial"}, optional
        Default: the mapping's ``scheme`` or ``"path"``.
    missing : {"mean", "listwise"}
        Passed to :class:`PLSPMFitter` (mean replacement is SmartPLS's default).
    n_boot, seed, ci :
        Bootstrap resamples for the path coefficients' intervals, the seed and the coverage.

    Returns
    -------
    CSIResult
        ``model`` (the fitted :class:`PLSPMFitter`: path coefficients, R², loadings, quality), ``weights``
        (construct, item, weight — unstandardised, summing to 1 per construct — and ``std_weight``) and
        ``index`` (the ``by`` columns, construct, index, n, ci_low, ci_high; rows with no group value are
        left out of grouped indices).
    """
    tpl = _template(template)
    spec = load_mapping(mapping)
    blocks, modes, paths = _model(tpl, spec)
    dropped = [c.code for c in tpl.constructs if c.code not in blocks]
    items = [i for its in blocks.values() for i in its]
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise ValueError(f"mapped question(s) not in the data: {', '.join(absent)}")
    scale = _scales(items, scales)
    model = PLSPMFitter(
        paths, blocks, modes, scheme or spec.get("scheme") or "path", missing=missing, n_boot=n_boot, seed=seed, ci=ci
    ).fit(data)
    weights = model.unstandardized_weights().merge(
        model.outer_weights_[["construct", "item", "estimate"]].rename(columns={"estimate": "std_weight"}),
        on=["construct", "item"],
    )
    index = _index(data, weights, scale, [], ci)
    if by:
        missing_by = [b for b in by if b not in data.columns]
        if missing_by:
            raise ValueError(f"group column(s) not in the data: {', '.join(missing_by)}")
        index = pd.concat([index.assign(**dict.fromkeys(by, "(all)")), _index(data, weights, scale, list(by), ci)])
        index = index[[*by, "construct", "index", "n", "ci_low", "ci_high"]].reset_index(drop=True)
    return CSIResult(tpl, model, weights, index, dropped)


_PERIOD = {"month": "M", "quarter": "Q", "year": "Y"}


def csi(
    source: Any,
    survey: str,
    template: str | CSITemplate,
    mapping: str | Path | Mapping[str, Any],
    *,
    by: Sequence[str] = (),
    every: str | None = None,
    **options: Any,
) -> CSIResult:
    """:func:`csi_model` on a workspace survey: reads the answers (:func:`cxlens.stats.survey_frame`) and each
    question's scale (:func:`cxlens.stats.survey_questions`); ``by`` are customer dimensions (segment, region,
    an attribute key), ``every`` adds a ``period`` group (month, quarter or year of ``submitted_at``)."""
    from cxlens.stats.data import survey_frame, survey_questions

    if every is not None and every not in _PERIOD:
        raise ValueError(f"every must be one of {', '.join(_PERIOD)}, not {every!r}")
    questions = survey_questions(source, survey).set_index("code")
    frame = survey_frame(source, survey, by=list(by) or None)
    groups = list(by)
    if every is not None:
        frame["period"] = frame["submitted_at"].dt.tz_localize(None).dt.to_period(_PERIOD[every]).dt.start_time
        groups.append("period")
    spec = load_mapping(mapping)
    items = [i for its in spec["constructs"].values() for i in its]
    unknown = [i for i in items if i not in questions.index]
    if unknown:
        raise ValueError(f"survey {survey!r} has no question(s) {', '.join(unknown)}")
    scales = {i: (float(questions.at[i, "scale_min"]), float(questions.at[i, "scale_max"])) for i in items}
    return csi_model(frame, template, spec, scales=scales, by=groups, **options)
