"""LimeSurvey survey structures (.lss XML, tab-separated export) with --kind survey, and R syntax pairing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens.exceptions import InvalidRowsError, ReadError
from cxlens.ingest import import_file, import_survey
from cxlens.ingest.adapters import read_survey_file
from cxlens.store import Workspace


def table(name: str, fields: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<fieldname>{f}</fieldname>" for f in fields)
    body = "".join(
        "<row>" + "".join(f"<{f}><![CDATA[{v}]]></{f}>" for f, v in zip(fields, r, strict=True)) + "</row>"
        for r in rows
    )
    return f" <{name}>\n  <fields>{head}</fields>\n  <rows>{body}</rows>\n </{name}>\n"


Q_FIELDS = ["qid", "parent_qid", "sid", "gid", "type", "title", "preg", "other", "mandatory", "question_order"]
QUESTIONS = [  # two groups; group 20 comes first by group_order
    ["101", "0", "482915", "20", "L", "channel", "", "Y", "Y", "1"],
    ["102", "0", "482915", "20", "M", "features", "", "N", "N", "2"],
    ["103", "0", "482915", "21", "F", "service", "", "N", "N", "1"],
    ["104", "0", "482915", "21", "5", "overall", "", "N", "N", "2"],
    ["105", "0", "482915", "21", "N", "visits", "", "N", "N", "3"],
    ["106", "0", "482915", "21", "T", "comment", "", "N", "N", "4"],
    ["107", "0", "482915", "20", "S", "city", "", "N", "N", "3"],
    ["108", "0", "482915", "21", "X", "thanks", "", "N", "N", "5"],
]
SUBQUESTIONS = [
    ["201", "102", "482915", "20", "T", "SQ001", "", "N", "N", "1"],
    ["202", "102", "482915", "20", "T", "SQ002", "", "N", "N", "2"],
    ["203", "103", "482915", "21", "T", "SQ001", "", "N", "N", "1"],
    ["204", "103", "482915", "21", "T", "SQ002", "", "N", "N", "2"],
]
L10N = {  # qid: (en, zh-Hans)
    "101": ("<p>How did you <b>contact</b> us?</p>", "<p>您通过什么渠道联系我们？</p>"),
    "102": ("Which features do you use?", "您使用哪些功能？"),
    "103": ("Rate our service", "请评价我们的服务"),
    "104": ("Overall, how satisfied are you?", "总体满意度"),
    "105": ("How many visits this year?", "今年来访次数"),
    "106": ("Anything else?", "其他意见"),
    "107": ("Your city", "您所在城市"),
    "108": ("Thank you!", "谢谢！"),
    "201": ("Mobile app", "手机应用"),
    "202": ("Website", "网站"),
    "203": ("Speed", "速度"),
    "204": ("Friendliness &amp; tone", "态度"),
}
ANSWERS = [  # aid, qid, code, sortorder, scale_id
    ["1", "101", "A1", "1", "0"],
    ["2", "101", "A2", "2", "0"],
    ["3", "103", "1", "1", "0"],
    ["4", "103", "2", "2", "0"],
    ["5", "103", "3", "3", "0"],
]
A_L10N = {
    "1": ("Phone", "电话"),
    "2": ("E-mail", "邮件"),
    "3": ("Poor", "差"),
    "4": ("OK", "一般"),
    "5": ("Good", "好"),
}


def lss(questions: list[list[str]] = QUESTIONS) -> str:
    ql10n = [
        [str(i), qid, t, "", lang]
        for i, (qid, pair) in enumerate(L10N.items())
        for t, lang in zip(pair, ("en", "zh-Hans"), strict=True)
    ]
    al10n = [
        [str(i), aid, t, lang]
        for i, (aid, pair) in enumerate(A_L10N.items())
        for t, lang in zip(pair, ("en", "zh-Hans"), strict=True)
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<document>\n <LimeSurveyDocType>Survey</LimeSurveyDocType>\n'
        " <DBVersion>495</DBVersion>\n <languages><language>en</language><language>zh-Hans</language></languages>\n"
        + table("answers", ["aid", "qid", "code", "sortorder", "scale_id"], ANSWERS)
        + table("answer_l10ns", ["id", "aid", "answer", "language"], al10n)
        + table("groups", ["gid", "sid", "group_order"], [["20", "482915", "1"], ["21", "482915", "2"]])
        + table("questions", Q_FIELDS, questions)
        + table("subquestions", Q_FIELDS, SUBQUESTIONS)
        + table("question_l10ns", ["id", "qid", "question", "help", "language"], ql10n)
        + table("surveys", ["sid", "language", "additional_languages"], [["482915", "en", "zh-Hans"]])
        + table(
            "surveys_languagesettings",
            ["surveyls_survey_id", "surveyls_language", "surveyls_title"],
            [["482915", "en", "Service check"], ["482915", "zh-Hans", "服务回访"]],
        )
        + "</document>\n"
    )


def q(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


def test_lss_gives_codes_types_texts_and_options(tmp_path: Path) -> None:
    path = tmp_path / "limesurvey_survey_482915.lss"
    path.write_text(lss(), encoding="utf-8")
    survey = read_survey_file(path)
    assert survey is not None and survey.code == "limesurvey_482915" and survey.default_language == "en"
    assert survey.title == {"en": "Service check", "zh-Hans": "服务回访"}
    got = {x.code: x for x in survey.questions}
    assert [x.code for x in survey.questions] == [
        "channel",
        "channel_other",
        "features",
        "city",
        "service_SQ001",
        "service_SQ002",
        "overall",
        "visits",
        "comment",
    ]
    assert got["channel"].type == "single" and got["channel"].text == {
        "en": "How did you contact us?",
        "zh-Hans": "您通过什么渠道联系我们？",
    }
    assert [(c.code, c.text) for c in got["channel"].choices] == [
        ("A1", {"en": "Phone", "zh-Hans": "电话"}),
        ("A2", {"en": "E-mail", "zh-Hans": "邮件"}),
        ("-oth-", {"en": "Other"}),
    ]
    assert got["features"].type == "multi" and [c.code for c in got["features"].choices] == ["SQ001", "SQ002"]
    assert got["service_SQ002"].text["en"] == "Rate our service - Friendliness & tone"
    assert [c.text["zh-Hans"] for c in got["service_SQ001"].choices] == ["差", "一般", "好"]
    assert (got["overall"].type, got["overall"].scale) == ("rating", (1.0, 5.0))
    assert (got["visits"].type, got["comment"].type, got["city"].type) == ("number", "text", "text")


def test_lss_imports_with_kind_survey_then_responses_land_on_it(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "survey.lss"
    path.write_text(lss(), encoding="utf-8")
    report = import_survey(workspace, path)
    assert report.inserted == 1 and import_survey(workspace, path).already_stored == 1
    texts = q(
        workspace,
        "SELECT t.language, t.text FROM choices c JOIN questions x ON x.id = c.question_id JOIN texts t "
        "ON t.entity = 'choice' AND t.entity_id = c.id WHERE x.code = 'service_SQ001' AND c.code = '3' ORDER BY 1",
    )
    assert texts == [("en", "Good"), ("zh-Hans", "好")]
    rows = [
        [
            "id",
            "submitdate",
            "lastpage",
            "startlanguage",
            "seed",
            "startdate",
            "datestamp",
            "channel",
            "service[SQ001]",
            "overall",
            "visits",
        ],
        [
            "1",
            "2025-03-01 10:00:00",
            "2",
            "en",
            "123",
            "2025-03-01 09:58:00",
            "2025-03-01 10:00:00",
            "A2",
            "3",
            "4",
            "7",
        ],
    ]
    csv_path = tmp_path / "results-survey482915.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    imported = import_file(workspace, csv_path, survey="limesurvey_482915")
    assert imported.inserted == 1
    got = q(
        workspace,
        "SELECT x.code, coalesce(c.code, CAST(a.value_number AS VARCHAR)) FROM answers a JOIN questions x "
        "ON x.id = a.question_id LEFT JOIN choices c ON c.id = a.choice_id ORDER BY 1",
    )
    assert [(code, str(v).removesuffix(".0")) for code, v in got] == [
        ("channel", "A2"),
        ("overall", "4"),
        ("service_SQ001", "3"),
        ("visits", "7"),
    ]


def test_lss_problems_are_refused_with_their_place(tmp_path: Path) -> None:
    broken = tmp_path / "broken.lss"
    broken.write_text(lss().replace("</questions>", "</question>"), encoding="utf-8")
    with pytest.raises(ReadError, match=r"broken\.lss: line \d+, column \d+: not well-formed XML"):
        read_survey_file(broken)
    dual = tmp_path / "dual.lss"
    dual.write_text(
        lss([*QUESTIONS[:7], ["109", "0", "482915", "21", "1", "dual", "", "N", "N", "6"]]), encoding="utf-8"
    )
    with pytest.raises(ReadError, match=r"dual\.lss: qid 109: question 'dual' is a dual-scale array \(type 1\)"):
        read_survey_file(dual)


def test_tsv_structure_export(tmp_path: Path) -> None:
    header = ["id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language", "other"]
    rows = [
        ["", "", "S", "", "sid", "", "577563", "", "", ""],
        ["", "", "S", "", "language", "", "en", "", "", ""],
        ["", "", "SL", "", "surveyls_title", "", "Tiny", "", "en", ""],
        ["1", "", "G", "0", "Only group", "", "", "", "en", ""],
        ["9", "", "Q", "L", "fruit", "1", "Pick a <em>fruit</em>", "", "en", "N"],
        ["", "", "A", "0", "AP", "", "Apple", "", "en", ""],
        ["", "", "A", "0", "BA", "", "Banana", "", "en", ""],
        ["9", "", "Q", "L", "fruit", "1", "Wähle eine Frucht", "", "de", "N"],
        ["", "", "A", "0", "AP", "", "Apfel", "", "de", ""],
    ]
    path = tmp_path / "structure.txt"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="\t").writerows([header, *rows])
    survey = read_survey_file(path)
    assert survey is not None and survey.code == "limesurvey_577563" and survey.title == {"en": "Tiny"}
    (fruit,) = survey.questions
    assert fruit.text == {"en": "Pick a fruit", "de": "Wähle eine Frucht"}
    assert [(c.code, c.text) for c in fruit.choices] == [
        ("AP", {"en": "Apple", "de": "Apfel"}),
        ("BA", {"en": "Banana"}),
    ]
    rows.insert(3, ["", "", "A", "0", "XX", "", "stray", "", "en", ""])
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="\t").writerows([header, *rows])
    with pytest.raises(ReadError, match=r"structure\.txt: line 5: row of class A before any question"):
        read_survey_file(path)


# -- multiple choice (M, P) response columns ------------------------------------------------------------
MULTI_QUESTIONS = [
    ["301", "0", "482915", "20", "M", "features", "", "Y", "N", "1"],
    ["302", "0", "482915", "20", "P", "extras", "", "N", "N", "2"],
    ["303", "0", "482915", "20", "5", "overall", "", "N", "N", "3"],
]
MULTI_SUBS = [
    ["401", "301", "482915", "20", "T", "SQ001", "", "N", "N", "1"],
    ["402", "301", "482915", "20", "T", "SQ002", "", "N", "N", "2"],
    ["403", "301", "482915", "20", "T", "SQ003", "", "N", "N", "3"],
    ["404", "302", "482915", "20", "T", "SQ001", "", "N", "N", "1"],
    ["405", "302", "482915", "20", "T", "SQ002", "", "N", "N", "2"],
]
MULTI_TEXTS = {
    "301": "Which features do you use?",
    "302": "Which extras do you want?",
    "303": "Overall?",
    "401": "Mobile app",
    "402": "Website",
    "403": "Chat",
    "404": "Coupons",
    "405": "Newsletter",
}


def multi_lss() -> str:
    l10n = [[str(i), qid, text, "", "en"] for i, (qid, text) in enumerate(MULTI_TEXTS.items())]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<document>\n <LimeSurveyDocType>Survey</LimeSurveyDocType>\n'
        + table("groups", ["gid", "sid", "group_order"], [["20", "482915", "1"]])
        + table("questions", Q_FIELDS, MULTI_QUESTIONS)
        + table("subquestions", Q_FIELDS, MULTI_SUBS)
        + table("question_l10ns", ["id", "qid", "question", "help", "language"], l10n)
        + table("surveys", ["sid", "language"], [["482915", "en"]])
        + "</document>\n"
    )


def multi_csv(path: Path, style: str, cells: list[list[str]]) -> Path:
    """A LimeSurvey response export; ``style`` is ``[]`` (``Q[SQ001]``) or ``""`` (``QSQ001``)."""

    def col(q: str, sub: str) -> str:
        return f"{q}[{sub}]" if style == "[]" else f"{q}{sub}"

    header = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"]
    header += [col("features", s) for s in ("SQ001", "SQ002", "SQ003", "other")]
    header += [col("extras", s) for s in ("SQ001", "SQ001comment", "SQ002", "SQ002comment")] + ["overall"]
    meta = ["2025-03-01 10:00:00", "2", "en", "1", "2025-03-01 09:58:00", "2025-03-01 10:00:00"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *[[str(n + 1), *meta, *row] for n, row in enumerate(cells)]])
    return path


def answers(ws: Workspace) -> list[tuple[str, str, str]]:
    rows = q(
        ws,
        "SELECT r.external_id, x.code, coalesce(c.code, a.value_text, CAST(a.value_number AS VARCHAR)) "
        "FROM answers a JOIN responses r ON r.id = a.response_id JOIN questions x ON x.id = a.question_id "
        "LEFT JOIN choices c ON c.id = a.choice_id ORDER BY 1, 2, 3",
    )
    return [(str(r), str(code), str(v).removesuffix(".0")) for r, code, v in rows]


def test_lss_defines_p_comment_questions(tmp_path: Path) -> None:
    path = tmp_path / "multi.lss"
    path.write_text(multi_lss(), encoding="utf-8")
    survey = read_survey_file(path)
    assert survey is not None
    got = {x.code: x for x in survey.questions}
    assert list(got) == [
        "features",
        "features_other",
        "extras",
        "extras_SQ001comment",
        "extras_SQ002comment",
        "overall",
    ]
    assert [c.code for c in got["extras"].choices] == ["SQ001", "SQ002"]
    assert got["extras_SQ002comment"].type == "text"
    assert got["extras_SQ002comment"].text == {"en": "Which extras do you want? - Newsletter - comment"}


@pytest.mark.parametrize(("style", "yes", "no"), [("[]", "Y", ""), ("[]", "Y", "N"), ("", "1", "0")])
def test_multi_choice_columns_land_on_the_multi_question(
    workspace: Workspace, tmp_path: Path, style: str, yes: str, no: str
) -> None:
    structure = tmp_path / "survey.lss"
    structure.write_text(multi_lss(), encoding="utf-8")
    import_survey(workspace, structure)
    cells = [
        [yes, no, yes, "", no, "", yes, "weekly is fine", "5"],
        [no, yes, no, "my own tool", yes, "only big ones", no, "", "3"],
    ]
    # "482915.csv" is auto-detected as limesurvey_482915, already stored; the other style names it
    path = multi_csv(tmp_path / ("results.csv" if style else "482915.csv"), style, cells)
    report = import_file(workspace, path, survey="limesurvey_482915" if style else None)
    assert (report.inserted, report.rejected) == (2, 0)
    got = answers(workspace)
    # respondent 1, checked by hand: Mobile app + Chat, no other text; Newsletter with its comment; 5
    assert [a[1:] for a in got if a[0] == "1"] == [
        ("extras", "SQ002"),
        ("extras_SQ002comment", "weekly is fine"),
        ("features", "SQ001"),
        ("features", "SQ003"),
        ("overall", "5"),
    ]
    assert [a[1:] for a in got if a[0] == "2"] == [
        ("extras", "SQ001"),
        ("extras_SQ001comment", "only big ones"),
        ("features", "SQ002"),
        ("features_other", "my own tool"),
        ("overall", "3"),
    ]
    again = import_file(workspace, path, survey="limesurvey_482915")
    assert (again.inserted, again.already_stored) == (0, 2)
    assert answers(workspace) == got
    assert q(workspace, "SELECT count(*) FROM responses") == [(2,)]


def test_multi_choice_cell_neither_chosen_nor_not_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    structure = tmp_path / "survey.lss"
    structure.write_text(multi_lss(), encoding="utf-8")
    import_survey(workspace, structure)
    cells = [
        ["Y", "", "Y", "", "", "", "Y", "", "5"],
        ["", "maybe", "", "", "Y", "", "", "", "3"],
    ]
    path = multi_csv(tmp_path / "results.csv", "[]", cells)
    with pytest.raises(InvalidRowsError) as err:
        import_file(workspace, path, survey="limesurvey_482915")
    (issue,) = err.value.issues
    assert issue.row == 3 and issue.value is not None and issue.value.startswith("features[SQ002]=maybe")
    assert "row 3" in str(err.value) and "features[SQ002]=maybe: neither chosen nor not chosen" in str(err.value)
    assert q(workspace, "SELECT count(*) FROM responses") == [(0,)]
    report = import_file(workspace, path, survey="limesurvey_482915", skip_invalid=True)
    assert (report.inserted, report.rejected) == (1, 1)
