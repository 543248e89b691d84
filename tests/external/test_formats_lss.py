"""LimeSurvey structure and R syntax exports in ../shared/data/formats/limesurvey, hand-checked. Skipped when
../shared is absent; the files are read where they are, never copied."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens.exceptions import ReadError
from cxlens.ingest import import_file, import_survey
from cxlens.ingest.adapters import adapt, read_survey_file
from cxlens.store import Workspace

LIME = Path(__file__).resolve().parents[3] / "shared" / "data" / "formats" / "limesurvey"
pytestmark = pytest.mark.skipif(not LIME.is_dir(), reason="../shared/data/formats is not present")
DATA = LIME / "limonaid__survey_998192_R_data_file.csv"
SYNTAX = LIME / "limonaid__survey_998192_R_syntax_file.R"


def q(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


def test_tsv_structure_export_gives_the_multi_choice_question(workspace: Workspace) -> None:
    path = LIME / "limonaid__structure_one-multi-choice-question.tsv.txt"
    survey = read_survey_file(path)
    # read by hand: S sid 577563, SL surveyls_title "Simplest Survey Ever", Q M onlyQuestion, SQ opt / opt1
    assert survey is not None and (survey.code, survey.title) == ("limesurvey_577563", {"en": "Simplest Survey Ever"})
    (only,) = survey.questions
    assert (only.code, only.type) == ("onlyQuestion", "multi")
    assert only.text == {"en": "This is the question text of the only question in this survey."}
    assert [(c.code, c.text["en"]) for c in only.choices] == [("opt", "Option 1"), ("opt1", "Option 2")]
    assert import_survey(workspace, path).inserted == 1


def test_r_syntax_alone_is_a_survey_definition() -> None:
    survey = read_survey_file(SYNTAX)
    assert survey is not None
    got = {x.code: x for x in survey.questions}
    assert "id" not in got and "submitdate" not in got  # response metadata, not questions
    # line "data[, 10] <- factor(data[, 10], levels=c("man","woman"),labels=c("Man", "Woman"))"
    assert got["gender"].text == {"und": "How do you identify?"}
    assert [(c.code, c.text["und"]) for c in got["gender"].choices] == [("man", "Man"), ("woman", "Woman")]
    assert (got["age"].type, got["mood"].type) == ("number", "text")  # field types F and A
    assert got["activities_exp_0"].choices[0].text["und"] == "1 in zeer bepekrte mate"  # activities_exp#0


def test_r_data_with_its_syntax_beside_gets_codes_texts_and_labels(workspace: Workspace) -> None:
    adapted = adapt(DATA)
    assert adapted is not None and adapted.survey is not None
    assert adapted.mapping.questions["gender"] == "How do you identify?"
    report = import_file(workspace, DATA, skip_invalid=True)
    assert (report.rows_read, report.inserted, report.rejected) == (8, 2, 6)  # 2 rows have a Date submitted
    labels = q(
        workspace,
        "SELECT c.code, t.text FROM choices c JOIN questions x ON x.id = c.question_id JOIN texts t "
        "ON t.entity = 'choice' AND t.entity_id = c.id WHERE x.code = 'informedConsent' ORDER BY c.position",
    )
    assert labels == [("no", "Over my dead body"), ("yes", "Yes please")]
    rows = q(
        workspace,
        """SELECT r.external_id, x.code, coalesce(c.code, CAST(a.value_number AS VARCHAR), a.value_text)
        FROM answers a JOIN responses r ON r.id = a.response_id JOIN questions x ON x.id = a.question_id
        LEFT JOIN choices c ON c.id = a.choice_id WHERE x.code IN
        ('informedConsent', 'gender', 'age', 'pets_cats', 'order_1', 'yesno', 'address_pc') ORDER BY 1, 2""",
    )
    got = {(str(r), code): str(v).removesuffix(".0") for r, code, v in rows}
    # response 1 (row 2 of the file) and response 9, read by hand
    assert got[("1", "informedConsent")] == "no" and got[("1", "pets_cats")] == "40"
    assert got[("1", "order_1")] == "west" and got[("1", "yesno")] == "1" and ("1", "gender") not in got
    assert got[("9", "gender")] == "woman" and got[("9", "age")] == "4" and got[("9", "address_pc")] == "4774"
    order = q(
        workspace,
        "SELECT t.text FROM choices c JOIN questions x ON x.id = c.question_id JOIN texts t ON t.entity = 'choice' "
        "AND t.entity_id = c.id WHERE x.code = 'order_1' AND c.code = 'west'",
    )
    assert order == [("How the west was won",)]


def test_syntax_and_data_import_into_one_survey(workspace: Workspace) -> None:
    assert import_survey(workspace, SYNTAX).inserted == 1
    report = import_file(workspace, DATA, skip_invalid=True)
    assert report.inserted == 2
    assert q(workspace, "SELECT count(*) FROM surveys") == [(1,)]
    # the data adds the "-oth-" answer the syntax's factor levels leave out
    assert ("-oth-",) in q(
        workspace, "SELECT c.code FROM choices c JOIN questions x ON x.id = c.question_id WHERE x.code = 'gender'"
    )


def test_a_syntax_file_of_another_export_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "survey_1_R_data_file.csv"
    shutil.copyfile(DATA, data)  # a temporary copy outside the repository
    lines = SYNTAX.read_text(encoding="utf-8").splitlines()
    (tmp_path / "survey_1_R_syntax_file.R").write_text(
        "\n".join(line.replace('<- "id"', '<- "respid"') for line in lines), encoding="utf-8"
    )
    with pytest.raises(ReadError, match="variable 1 is 'respid', not the response id"):
        adapt(data)
