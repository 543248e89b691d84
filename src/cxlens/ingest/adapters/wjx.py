"""问卷星 (wjx.cn): the Excel (xls/xlsx) and CSV exports "按选项文本" (answer text) and "按选项序号"
(answer number).

The first columns are 序号 (→ response_id), 提交答卷时间 (→ submitted_at), 所用时间, 来源 (→ channel),
来源详情, 来自IP (dropped), then one ``N、题目`` column per question (code ``qN``). Multi-select answers are
joined with ``┋`` in the text export and spread over ``第N题(选项)`` 0/1 columns in the number export;
rankings are joined with ``→`` and kept as text; "other" text in ``〖…〗`` goes to its own ``qN_other``
text question; ``(跳过)``, ``(空)``, ``-2`` and ``-3`` are skipped answers, never zeros.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from cxlens.ingest.adapters.base import (
    Adapted,
    Head,
    choice_question,
    derived_question,
    distinct,
    join_flags,
    replace_values,
    survey_code_from_name,
    with_column,
)
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import RawTable, read_table
from cxlens.ingest.surveys import ChoiceDef, QuestionDef, SurveyDef

__all__ = ["ADAPTER"]

_META = {"序号": "response_id", "提交答卷时间": "submitted_at", "来源": "channel"}
_DROPPED = ("来自IP", "IP地址", "来自ip", "填写者IP")
_IGNORED = ("所用时间", "来源详情", "总分", "答题时间", "开始答题时间")
SKIPPED = {"(跳过)", "（跳过）", "(空)", "（空）", "-2", "-3"}
_QUESTION = re.compile(r"^(\d+)[、.．]\s*(.*)$", re.S)
_FLAG = re.compile(r"^第(\d+)题[(（](.*)[)）]$", re.S)
_OTHER = re.compile(r"〖(.*?)〗", re.S)


class WjxAdapter:
    name = "wjx"
    label = "问卷星"

    def detect(self, head: Head) -> float:
        header = head.header
        if not header:
            return 0.0
        score = 0.0
        if "序号" in header[:2] and "提交答卷时间" in header:
            score = 0.9
        elif any(_QUESTION.match(c) for c in header) and ("提交答卷时间" in header or "来自IP" in header):
            score = 0.8
        return score

    def read(self, path: Path, head: Head, *, sheet: str | None, encoding: str | None) -> Adapted:
        raw = read_table(path, sheet=sheet, encoding=encoding)
        mapping = Mapping("responses")
        dropped: list[str] = []
        questions: list[QuestionDef] = []
        flags: dict[str, list[tuple[str, str]]] = {}
        answer_columns = [c for c in raw.columns if _QUESTION.match(c) or _FLAG.match(c)]
        replace_values(raw, answer_columns, SKIPPED)
        for col in raw.columns:
            name = col.strip()
            if name in _META:
                mapping.columns[_META[name]] = col
            elif name in _DROPPED:
                dropped.append(col)
            elif (flag := _FLAG.match(name)) is not None:
                flags.setdefault(flag.group(1), []).append((col, flag.group(2).strip()))
            elif (match := _QUESTION.match(name)) is not None:
                questions.extend(_question(raw, col, f"q{match.group(1)}", match.group(2).strip(), mapping))
            else:
                mapping.ignore.append(col)
        for number, members in flags.items():
            code = f"q{number}"
            join_flags(raw, code, {c: str(i) for i, (c, _) in enumerate(members, start=1)})
            choices = tuple(ChoiceDef(str(i), {"zh": label}) for i, (_, label) in enumerate(members, start=1))
            questions.append(QuestionDef(code, "multi", {"zh": code}, choices=choices))
            mapping.questions[code] = code
        if "submitted_at" in mapping.columns and not distinct(raw, mapping.columns["submitted_at"]):
            mapping.ignore.append(mapping.columns.pop("submitted_at"))  # blanked by whoever shared the file
        questions.sort(key=lambda q: int(re.sub(r"\D", "", q.code) or 0))
        code = survey_code_from_name(path.stem, "wjx")
        mapping.survey = code
        mapping.ignore.extend(dropped)
        survey = SurveyDef(code, {"zh": path.stem}, "zh", questions=tuple(questions))
        return Adapted("responses", raw, mapping, survey, dropped)


def _split_other(raw: RawTable, col: str, code: str) -> str | None:
    """Move ``〖other text〗`` out of ``col`` into a new column; returns its name (None if there is none)."""
    values = raw.table[col]
    if not pc.any(pc.match_substring(values, "〖")).as_py():
        return None
    other = f"{code}_other"
    extracted = [(m.group(1) if (m := _OTHER.search(v or "")) else "") for v in values.to_pylist()]
    with_column(raw, other, pa.array(extracted, pa.string()))
    with_column(raw, col, pc.replace_substring_regex(values, "〖.*?〗", ""))
    return other


def _question(raw: RawTable, col: str, code: str, text: str, mapping: Mapping) -> list[QuestionDef]:
    out: list[QuestionDef] = []
    other = _split_other(raw, col, code)
    values = distinct(raw, col)
    mapping.questions[code] = col
    if any("→" in v for v in values):
        out.append(QuestionDef(code, "text", {"zh": text}))  # a ranking: the order is the answer
    elif any("┋" in v for v in values):
        labels = sorted({part.strip() for v in values for part in v.split("┋") if part.strip()})
        out.append(QuestionDef(code, "multi", {"zh": text}, choices=tuple(ChoiceDef(x, {"zh": x}) for x in labels)))
    elif values and len(values) <= 30:
        out.append(choice_question(code, text, values, lang="zh"))
    else:
        out.append(derived_question(raw, col, code, text, lang="zh"))
    if other is not None:
        out.append(QuestionDef(f"{code}_other", "text", {"zh": f"{text}（其他）"}))
        mapping.questions[f"{code}_other"] = other
    return out


ADAPTER = WjxAdapter()
