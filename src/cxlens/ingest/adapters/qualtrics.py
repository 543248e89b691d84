"""Qualtrics: response exports (CSV/TSV "Data Table" with three header rows — export tags, question texts,
ImportId JSON — or the legacy two-row V1…Vn layout) and survey definitions (.qsf).

Metadata columns map onto response fields (RecordedDate → submitted_at, StartDate → started_at,
ResponseId → response_id, ExternalReference → customer_id, DistributionChannel → channel, UserLanguage →
language); the ImportId's ``timeZone`` becomes the mapping's time zone. IP address, location and recipient
name/e-mail columns are dropped. Multi-select questions (one column per option, ImportId ``choiceId``)
become one ``multi`` question; ``-99`` (seen but not answered) is a skipped answer.
"""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path
from typing import Any

from cxlens.exceptions import ReadError
from cxlens.ingest.adapters.base import (
    Adapted,
    Head,
    derived_question,
    drop_rows,
    join_flags,
    replace_values,
    survey_code_from_name,
)
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import RawTable, read_table
from cxlens.ingest.surveys import ChoiceDef, QuestionDef, SurveyDef

__all__ = ["ADAPTER", "QSF"]

#: ImportId of a metadata column → canonical response field (None: dropped as identifying)
_META: dict[str, str | None] = {
    "recordeddate": "submitted_at",
    "startdate": "started_at",
    "_recordid": "response_id",
    "responseid": "response_id",
    "externaldatareference": "customer_id",
    "distributionchannel": "channel",
    "userlanguage": "language",
    "ipaddress": None,
    "locationlatitude": None,
    "locationlongitude": None,
    "locationaccuracy": None,
    "recipientlastname": None,
    "recipientfirstname": None,
    "recipientemail": None,
    "emailaddress": None,
    "name": None,
}
_IGNORED_META = {"enddate", "status", "progress", "duration", "finished", "responseset"}
SKIPPED = {"-99"}


def _import_id(cell: str) -> dict[str, Any] | None:
    cell = cell.strip()
    if not cell.startswith("{"):
        return None
    try:
        value = json.loads(cell)
    except ValueError:
        try:  # older exports write Python-style single quotes
            value = ast.literal_eval(cell)
        except (ValueError, SyntaxError):
            return None
    return value if isinstance(value, dict) else None


class QualtricsAdapter:
    name = "qualtrics"
    label = "Qualtrics"

    def detect(self, head: Head) -> float:
        if head.container != "csv" or len(head.rows) < 2:
            return 0.0
        if head.rows[2:3] and _import_id(head.cell(2, 0)) is not None and "ImportId" in head.cell(2, 0):
            return 0.95
        norm = {c.lower() for c in head.header}
        if {"startdate", "enddate"} <= norm and norm & {"responseid"}:
            return 0.8
        if head.cell(0, 0) == "V1" and "ResponseID" in head.rows[1]:
            return 0.9
        return 0.0

    def read(self, path: Path, head: Head, *, sheet: str | None, encoding: str | None) -> Adapted:
        raw = read_table(path, format="csv", encoding=encoding)
        legacy = head.cell(0, 0) == "V1"
        if legacy:  # V1…Vn codes, then the real names: use row 2 as names for metadata
            names = [c.strip() for c in head.rows[1]]
            raw.table = raw.table.rename_columns(
                [
                    names[i] if i < len(names) and names[i] and n.startswith("V") else n
                    for i, n in enumerate(raw.columns)
                ]
                + ["__row"]
            )
            ids: list[dict[str, Any] | None] = [None] * len(raw.columns)
            drop_rows(raw, 2)
        else:
            ids = [_import_id(c) for c in (head.rows[2] if len(head.rows) > 2 else [])]
            ids += [None] * (len(raw.columns) - len(ids))
            drop_rows(raw, 3 if any(ids) else 2)
        labels = (head.rows[1] + [""] * len(raw.columns))[: len(raw.columns)]
        return _adapt(path, raw, labels, ids)


def _meta_key(column: str, import_id: dict[str, Any] | None) -> str:
    if import_id is not None:
        return str(import_id.get("ImportId", "")).lower()
    return re.sub(r"[^a-z_]", "", column.lower())


def _adapt(path: Path, raw: RawTable, labels: list[str], ids: list[dict[str, Any] | None]) -> Adapted:
    mapping = Mapping("responses")
    dropped: list[str] = []
    questions: list[QuestionDef] = []
    groups: dict[str, list[tuple[str, str, str]]] = {}  # QID → [(column, choiceId, label)]
    plain: list[tuple[str, str, bool]] = []
    for col, text, iid in zip(raw.columns, labels, ids, strict=True):
        key = _meta_key(col, iid)
        if key in _META:
            target = _META[key]
            if target is None:
                dropped.append(col)
            else:
                mapping.columns.setdefault(target, col)
                if iid and iid.get("timeZone"):
                    mapping.timezone = str(iid["timeZone"])
        elif key in _IGNORED_META or "topics" in key.lower():
            mapping.ignore.append(col)
        elif iid is not None and "choiceId" in iid:
            groups.setdefault(str(iid["ImportId"]), []).append((col, str(iid["choiceId"]), text))
        else:
            plain.append((col, text, key.endswith("_text")))
    if "submitted_at" not in mapping.columns:
        mapping.columns["submitted_at"] = next((c for c in raw.columns if c.lower() == "enddate"), "EndDate")
        mapping.ignore = [c for c in mapping.ignore if c != mapping.columns["submitted_at"]]
    replace_values(raw, [c for c, _, _ in plain] + [c for g in groups.values() for c, _, _ in g], SKIPPED)
    for col, text, is_text in plain:
        q = QuestionDef(col, "text", {"und": text or col}) if is_text else derived_question(raw, col, col, text)
        questions.append(q)
        mapping.questions[col] = col
    for members in groups.values():
        code = _group_code([c for c, _, _ in members], raw.columns)
        join_flags(raw, code, {c: choice for c, choice, _ in members})
        stem = members[0][2].rsplit(" - ", 1)[0]
        choices = tuple(ChoiceDef(ch, {"und": lbl.rsplit(" - ", 1)[-1]}) for _, ch, lbl in members)
        questions.append(QuestionDef(code, "multi", {"und": stem}, choices=choices))
        mapping.questions[code] = code
    code = survey_code_from_name(path.stem, "qualtrics")
    mapping.survey = code
    mapping.ignore.extend(dropped)
    survey = SurveyDef(code, {"und": path.stem}, "und", questions=tuple(questions))
    return Adapted("responses", raw, mapping, survey, dropped)


def _group_code(columns: list[str], existing: list[str]) -> str:
    """``mcma_standard`` from ``mcma_standard_1 … _7`` (a name no column has)."""
    stems = {re.sub(r"_[^_]+$", "", c) for c in columns}
    code = stems.pop() if len(stems) == 1 else columns[0]
    while code in existing:
        code += "_all"
    return code


# -- .qsf survey definitions ---------------------------------------------------------------------------
def _plain(text: object) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", str(text or ""))).strip()


def _choices(payload: dict[str, Any], key: str = "Choices") -> tuple[ChoiceDef, ...]:
    items = payload.get(key) or {}
    recode = payload.get("RecodeValues") or {} if key == "Choices" else {}
    order = [str(i) for i in payload.get("ChoiceOrder") or []] if key == "Choices" else []
    ids = order + [k for k in items if k not in order]
    return tuple(ChoiceDef(str(recode.get(i, i)), {"und": _plain(items[i].get("Display"))}) for i in ids if i in items)


def _qsf_questions(p: dict[str, Any], lang: str) -> list[QuestionDef]:
    tag, qtype, sel = str(p.get("DataExportTag") or p["QuestionID"]), p["QuestionType"], p.get("Selector")
    text = {lang: _plain(p.get("QuestionText")) or tag}
    if qtype == "MC":
        kind = "multi" if sel in ("MAVR", "MAHR", "MACOL", "MSB") else "single"
        out = [QuestionDef(tag, kind, text, choices=_choices(p))]
        recode = p.get("RecodeValues") or {}
        for cid, ch in (p.get("Choices") or {}).items():
            if ch.get("TextEntry") in ("true", "on", True):
                out.append(QuestionDef(f"{tag}_{recode.get(cid, cid)}_TEXT", "text", {lang: _plain(ch.get("Display"))}))
        return out
    if qtype == "TE":
        if sel == "FORM":
            return [
                QuestionDef(f"{tag}_{cid}", "text", {lang: _plain(ch.get("Display"))})
                for cid, ch in (p.get("Choices") or {}).items()
            ]
        return [QuestionDef(tag, "text", text)]
    if qtype == "Matrix" and sel in ("Likert",) and p.get("SubSelector") in ("SingleAnswer", "DL", None):
        answers = _choices({"Choices": p.get("Answers") or {}, "RecodeValues": p.get("RecodeValues") or {}})
        tags = p.get("ChoiceDataExportTags") or {}
        rows = p.get("Choices") or {key: {"Display": key} for key in tags}
        out = []
        for rid, row in rows.items():
            code = str(tags.get(rid) or f"{tag}_{rid}")
            out.append(
                QuestionDef(code, "single", {lang: f"{text[lang]} - {_plain(row.get('Display'))}"}, choices=answers)
            )
            if row.get("TextEntry") in ("true", "on", True):
                out.append(QuestionDef(f"{code}_TEXT", "text", {lang: _plain(row.get("Display"))}))
        return out
    if qtype == "Slider" or (qtype == "CS"):
        return [
            QuestionDef(f"{tag}_{cid}", "number", {lang: _plain(ch.get("Display"))})
            for cid, ch in (p.get("Choices") or {}).items()
        ]
    return []


class QsfReader:
    name = "qsf"

    def detect(self, head: Head) -> float:
        return 0.95 if head.container == "json" and '"SurveyEntry"' in head.text[:2000] else 0.0

    def read_survey(self, path: Path) -> SurveyDef:
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
            entry = data["SurveyEntry"]
        except (ValueError, KeyError, TypeError) as err:
            raise ReadError(f"{path.name}: not a Qualtrics .qsf survey file: {err}") from err
        lang = str(entry.get("SurveyLanguage") or "und").lower()
        questions: list[QuestionDef] = []
        seen: set[str] = set()
        for element in data.get("SurveyElements") or []:
            if element.get("Element") != "SQ":
                continue
            for q in _qsf_questions(element["Payload"], lang):
                code = q.code
                n = 1
                while code in seen:
                    n += 1
                    code = f"{q.code}.{n}"
                seen.add(code)
                questions.append(QuestionDef(code, q.type, q.text, choices=q.choices))
        if not questions:
            raise ReadError(f"{path.name}: the .qsf file holds no question cxlens can read")
        return SurveyDef(
            str(entry["SurveyID"]),
            {lang: str(entry.get("SurveyName") or entry["SurveyID"])},
            lang,
            questions=tuple(questions),
        )


ADAPTER = QualtricsAdapter()
QSF = QsfReader()
