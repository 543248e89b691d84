"""LimeSurvey survey structures, imported with ``--kind survey``: the ``.lss`` XML (LimeSurvey 2.x–3.x with
texts inline, 4.x–6.x with ``*_l10ns`` tables) and the tab-separated structure export (``.txt``).

Question codes are LimeSurvey's own, as its response exports head their columns: an array's or multiple
text's sub-question ``SQ001`` of ``Q1`` is the question ``Q1_SQ001``, a ranking's positions ``Q1_1`` …, an
"other" text ``Q1_other`` (and the list's choice ``-oth-``), a list-with-comment's comment ``Q1_comment``.
Types: L ! O Y G → single (Y = Yes/No, G = Female/Male), M P → multi (the sub-questions are the options; P's
comments are texts ``Q1_SQ001comment`` …, ``Q1_othercomment``),
5 → rating 1–5, A / B → one rating 1–5 / 1–10 per row, F H → one single per row with the answer options,
C E → one single per row (Yes/Uncertain/No, Increase/Same/Decrease), N → number, K → one number per row,
S T U D * | → text, Q → one text per row, R → one single per rank. Text displays (X) hold no answer and are
left out. Dual-scale and text/number matrices (1 ; :) are refused with the question's place — never guessed.
All languages' texts are kept (HTML tags removed).
"""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from cxlens.exceptions import ReadError
from cxlens.ingest.adapters.base import Head
from cxlens.ingest.surveys import ChoiceDef, QuestionDef, SurveyDef

__all__ = ["LSS", "TSV", "LimeQuestion", "question_defs"]

Texts = dict[str, str]
_SINGLE = {"L", "!", "O", "Y", "G"}
_FIXED: dict[str, tuple[tuple[str, str], ...]] = {
    "Y": (("Y", "Yes"), ("N", "No")),
    "G": (("F", "Female"), ("M", "Male")),
    "C": (("Y", "Yes"), ("U", "Uncertain"), ("N", "No")),
    "E": (("I", "Increase"), ("S", "Same"), ("D", "Decrease")),
}
_TEXT = {"S", "T", "U", "D", "*", "|"}
_NO_ANSWER = {"X"}
_REFUSED = {"1": "dual-scale array", ";": "array of texts", ":": "array of numbers"}


@dataclass
class LimeQuestion:
    """One LimeSurvey question as read from a structure file, before it becomes cxlens questions."""

    code: str
    type: str
    where: str
    text: Texts = field(default_factory=dict)
    other: bool = False
    #: sub-question code → texts, in LimeSurvey's order
    subs: dict[str, Texts] = field(default_factory=dict)
    #: (scale, answer code) → texts, in LimeSurvey's order
    answers: dict[tuple[str, str], Texts] = field(default_factory=dict)


def clean(text: str | None) -> str:
    """Question text without HTML tags, entities resolved, white space collapsed."""
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text or ""))
    return re.sub(r"\s+", " ", plain.replace("\xa0", " ")).strip()


def _choices(q: LimeQuestion, scale: str = "0") -> tuple[ChoiceDef, ...]:
    if q.type in _FIXED:
        return tuple(ChoiceDef(c, {"en": label}) for c, label in _FIXED[q.type])
    return tuple(ChoiceDef(code, dict(texts)) for (s, code), texts in q.answers.items() if s == scale)


def _per_row(q: LimeQuestion, **kind: object) -> list[QuestionDef]:
    out = []
    for sub, texts in q.subs.items():
        text = {lang: f"{q.text.get(lang, q.code)} - {t}" for lang, t in texts.items()} or q.text
        out.append(QuestionDef(f"{q.code}_{sub}", text=text, **kind))  # type: ignore[arg-type]
    return out


def question_defs(q: LimeQuestion) -> list[QuestionDef]:
    """The cxlens questions one LimeSurvey question becomes (see the module text)."""
    t = q.type
    if t in _REFUSED:
        raise ReadError(f"{q.where}: question {q.code!r} is a {_REFUSED[t]} (type {t}), which is not read yet")
    if t in _NO_ANSWER:
        return []
    extra: list[QuestionDef] = []
    if q.other:
        extra.append(QuestionDef(f"{q.code}_other", "text", {lang: f"{x} - Other" for lang, x in q.text.items()}))
    if t in _SINGLE:
        choices = _choices(q) + ((ChoiceDef("-oth-", {"en": "Other"}),) if q.other else ())
        if t == "O":
            extra.append(QuestionDef(f"{q.code}_comment", "text", q.text))
        return [QuestionDef(q.code, "single", q.text, choices=_need(q, choices)), *extra]
    if t in ("M", "P"):
        options = tuple(ChoiceDef(code, dict(texts)) for code, texts in q.subs.items())
        return [QuestionDef(q.code, "multi", q.text, choices=_need(q, options)), *extra, *_comments(q)]
    if t == "5":
        return [QuestionDef(q.code, "rating", q.text, scale=(1.0, 5.0))]
    if t in ("A", "B"):
        return _per_row(q, type="rating", scale=(1.0, 5.0 if t == "A" else 10.0))
    if t in ("F", "H", "C", "E"):
        return _per_row(q, type="single", choices=_need(q, _choices(q)))
    if t == "R":
        choices = _need(q, _choices(q))
        return [
            QuestionDef(f"{q.code}_{n}", "single", {k: f"{v} - {n}" for k, v in q.text.items()}, choices=choices)
            for n in range(1, len(choices) + 1)
        ]
    if t == "N":
        return [QuestionDef(q.code, "number", q.text)]
    if t == "K":
        return _per_row(q, type="number")
    if t == "Q":
        return _per_row(q, type="text")
    if t in _TEXT:
        return [QuestionDef(q.code, "text", q.text), *extra]
    raise ReadError(f"{q.where}: question {q.code!r} has the unknown LimeSurvey type {t!r}")


def _comments(q: LimeQuestion) -> list[QuestionDef]:
    """A multiple choice with comments' (P) comment texts: ``Q1_SQ001comment`` …, ``Q1_othercomment``."""
    if q.type != "P":
        return []
    subs = {**q.subs, **({"other": {lang: "Other" for lang in q.text} or {"und": "Other"}} if q.other else {})}
    return [
        QuestionDef(
            f"{q.code}_{sub}comment",
            "text",
            {lang: f"{q.text.get(lang, q.code)} - {t} - comment" for lang, t in texts.items()} or q.text,
        )
        for sub, texts in subs.items()
    ]


def _need(q: LimeQuestion, choices: tuple[ChoiceDef, ...]) -> tuple[ChoiceDef, ...]:
    if not choices:
        raise ReadError(f"{q.where}: question {q.code!r} (type {q.type}) has no answer options in the file")
    return choices


def _survey(path: Path, sid: str, base: str, titles: Texts, questions: list[LimeQuestion]) -> SurveyDef:
    defs: list[QuestionDef] = []
    for q in questions:
        defs.extend(question_defs(q))
    if not defs:
        raise ReadError(f"{path.name}: the survey structure holds no questions")
    seen: set[str] = set()
    for d in defs:
        if d.code in seen:
            raise ReadError(f"{path.name}: question code {d.code!r} appears twice")
        seen.add(d.code)
    code = f"limesurvey_{sid}" if sid else f"limesurvey_{re.sub(r'[^0-9a-z]+', '_', path.stem.lower())}"
    return SurveyDef(code, titles or {base: path.stem}, base, questions=tuple(defs))


# -- .lss XML ------------------------------------------------------------------------------------------
def _rows(root: ElementTree.Element, table: str) -> list[dict[str, str]]:
    node = root.find(table)
    if node is None:
        return []
    return [{c.tag: (c.text or "") for c in row} for row in node.iterfind("rows/row")]


def _order(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def _lss_texts(rows: list[dict[str, str]], key: str, text: str) -> dict[str, Texts]:
    out: dict[str, Texts] = {}
    for r in rows:
        if r.get(text) is not None and r.get("language"):
            out.setdefault(r[key], {})[r["language"]] = clean(r[text])
    return out


def _lss_questions(path: Path, root: ElementTree.Element) -> list[LimeQuestion]:
    rows = _rows(root, "questions")
    texts = _lss_texts(_rows(root, "question_l10ns") or rows, "qid", "question")
    groups = {g["gid"]: _order(g.get("group_order", "0")) for g in _rows(root, "groups")}
    order = sorted(
        {r["qid"]: r for r in rows if r.get("parent_qid", "0") in ("0", "")}.values(),
        key=lambda r: (groups.get(r.get("gid", ""), 0.0), _order(r.get("question_order", "0"))),
    )
    by_qid = {
        r["qid"]: LimeQuestion(
            r["title"], r["type"], f"{path.name}: qid {r['qid']}", texts.get(r["qid"], {}), r.get("other") == "Y"
        )
        for r in order
    }
    subs = _rows(root, "subquestions")
    sub_texts = _lss_texts(_rows(root, "question_l10ns") or subs, "qid", "question")
    for s in sorted(subs, key=lambda r: _order(r.get("question_order", "0"))):
        parent = by_qid.get(s.get("parent_qid", ""))
        if parent is not None and s.get("scale_id", "0") in ("0", ""):
            parent.subs.setdefault(s["title"], {}).update(sub_texts.get(s["qid"], {}))
    answers = _rows(root, "answers")
    answer_l10ns = _rows(root, "answer_l10ns")
    by_aid = _lss_texts(answer_l10ns, "aid", "answer") if answer_l10ns else {}
    for a in sorted(answers, key=lambda r: _order(r.get("sortorder", "0"))):
        q = by_qid.get(a.get("qid", ""))
        if q is None:
            continue
        found = by_aid.get(a.get("aid", "")) or {a.get("language") or "und": clean(a.get("answer")) or a["code"]}
        q.answers.setdefault((a.get("scale_id") or "0", a["code"]), {}).update(found)
    return list(by_qid.values())


class LssReader:
    name = "lss"

    def detect(self, head: Head) -> float:
        return 0.95 if "<LimeSurveyDocType>Survey</LimeSurveyDocType>" in head.text[:4000] else 0.0

    def read_survey(self, path: Path) -> SurveyDef:
        try:
            root = ElementTree.parse(path).getroot()
        except ElementTree.ParseError as err:
            line, col = err.position
            raise ReadError(f"{path.name}: line {line}, column {col}: not well-formed XML ({err.msg})") from err
        if root.findtext("LimeSurveyDocType") != "Survey":
            raise ReadError(f"{path.name}: not a LimeSurvey survey structure (.lss)")
        survey = (_rows(root, "surveys") or [{}])[0]
        base = survey.get("language") or "und"
        titles = {
            r["surveyls_language"]: clean(r.get("surveyls_title"))
            for r in _rows(root, "surveys_languagesettings")
            if r.get("surveyls_language")
        }
        return _survey(path, survey.get("sid", ""), base, titles, _lss_questions(path, root))


# -- tab-separated structure export --------------------------------------------------------------------
def _tsv_add(q: LimeQuestion, row: dict[str, str], lang: str) -> None:
    cls, name, text = row.get("class", ""), row.get("name", ""), clean(row.get("text"))
    if cls == "Q":
        q.text[lang] = text
    elif cls == "SQ" and (row.get("type/scale") or "0") == "0":
        q.subs.setdefault(name, {})[lang] = text
    elif cls == "A":
        q.answers.setdefault((row.get("type/scale") or "0", name), {})[lang] = text


def _tsv_questions(path: Path, rows: list[tuple[int, dict[str, str]]], base: str) -> list[LimeQuestion]:
    questions: dict[str, LimeQuestion] = {}
    current: LimeQuestion | None = None
    for line, row in rows:
        cls, lang = row.get("class", ""), row.get("language") or base
        if cls == "Q":
            name = row.get("name", "")
            if not name or not row.get("type/scale"):
                raise ReadError(f"{path.name}: line {line}: a question row needs a name and a type")
            current = questions.setdefault(
                name, LimeQuestion(name, row["type/scale"], f"{path.name}: line {line}", other=row.get("other") == "Y")
            )
        elif cls in ("SQ", "A") and current is None:
            raise ReadError(f"{path.name}: line {line}: row of class {cls} before any question")
        if cls in ("Q", "SQ", "A") and current is not None:
            _tsv_add(current, row, lang)
    return list(questions.values())


class TsvStructureReader:
    name = "limesurvey_tsv"

    def detect(self, head: Head) -> float:
        cols = {c.strip().lower() for c in head.header}
        return 0.9 if {"class", "type/scale", "name", "text", "language"} <= cols else 0.0

    def read_survey(self, path: Path) -> SurveyDef:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as err:
            raise ReadError(f"{path.name}: byte {err.start}: not UTF-8 text, as LimeSurvey writes it") from err
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter="\t")
        rows: list[tuple[int, dict[str, str]]] = []
        try:
            for row in reader:
                rows.append((reader.line_num, {k: v or "" for k, v in row.items() if k}))
        except csv.Error as err:
            raise ReadError(f"{path.name}: line {reader.line_num}: {err}") from err
        settings = {r["name"]: r.get("text", "") for _, r in rows if r.get("class") == "S"}
        base = settings.get("language") or "und"
        titles = {
            r.get("language") or base: clean(r.get("text"))
            for _, r in rows
            if r.get("class") == "SL" and r.get("name") == "surveyls_title"
        }
        return _survey(path, settings.get("sid", ""), base, titles, _tsv_questions(path, rows, base))


LSS = LssReader()
TSV = TsvStructureReader()
