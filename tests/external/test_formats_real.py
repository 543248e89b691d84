"""Every vendor export in ../shared/data/formats (SOURCES.md) through the adapters, with hand-checked
respondents. Skipped when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens.exceptions import InvalidRowsError, MappingError
from cxlens.ingest import import_file, import_survey
from cxlens.ingest.adapters import adapt
from cxlens.ingest.mapping import Mapping
from cxlens.store import Workspace

FORMATS = Path(__file__).resolve().parents[3] / "shared" / "data" / "formats"
pytestmark = pytest.mark.skipif(not FORMATS.is_dir(), reason="../shared/data/formats is not present")
DATED = Mapping("responses", constants={"submitted_at": "2014-05-29"})


def q(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


def answers(ws: Workspace, response: str) -> dict[str, object]:
    """One response's answers as ``{question code: choice code(s) | number | text}`` (numbers as ``%g``)."""
    rows = q(
        ws,
        f"""SELECT qu.code, ch.code, a.value_number, a.value_text
        FROM answers a JOIN responses r ON r.id = a.response_id JOIN questions qu ON qu.id = a.question_id
        LEFT JOIN choices ch ON ch.id = a.choice_id WHERE r.external_id = '{response}' ORDER BY 1, 2""",
    )
    out: dict[str, object] = {}
    for code, choice, number, text in rows:
        value = choice if choice is not None else (f"{number:g}" if number is not None else text)
        out[str(code)] = f"{out[str(code)]};{value}" if str(code) in out else value
    return out


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("qualtrics/qualtRics__sample.csv", "qualtrics"),
        ("qualtrics/qualtRics__sample_legacy.csv", "qualtrics"),
        ("qualtrics/QualtricsTools__Winter2021_DataTable_2021-01-21.csv", "qualtrics"),
        ("surveymonkey/fivethirtyeight__steak-risk-survey.csv", "surveymonkey"),
        ("surveymonkey/rsangole__Sheet_1.xls", "surveymonkey"),
        ("wjx/reportgen__wjx_800_800_0.xls", "wjx"),
        ("wjx/reportgen__wjx_800_800_2.xls", "wjx"),
        ("limesurvey/uu-accent__results.csv", "limesurvey"),
        ("limesurvey/limonaid__survey_998192_R_data_file.csv", "limesurvey"),
        ("spss/pspp__hotel.sav", "spss"),
        ("spss/pyreadstat__sample_missing.sav", "spss"),
        ("stata/pyreadstat__sample.dta", "stata"),
        ("tickets/devrev2ndproject__freshdesk_tickets.csv", "freshdesk"),
        ("googleforms/autistica__Form_Responses_1.csv", "googleforms"),
    ],
)
def test_every_export_is_detected(path: str, fmt: str) -> None:
    adapted = adapt(FORMATS / path)
    assert adapted is not None and adapted.raw.format in (fmt, "csv", "xls", "xlsx")
    from cxlens.ingest.adapters import ADAPTERS, detect
    from cxlens.ingest.adapters.base import read_head

    found = detect(read_head(FORMATS / path))
    assert found is not None and found.name == fmt
    assert ADAPTERS[fmt] is found


def test_qualtrics_data_table_then_again(workspace: Workspace) -> None:
    path = FORMATS / "qualtrics" / "QualtricsTools__Winter2021_DataTable_2021-01-21.csv"
    report = import_file(workspace, path)
    assert (report.kind, report.rows_read, report.inserted, report.rejected) == ("responses", 150, 150, 0)
    assert report.mapping["timezone"] == "America/New_York"
    assert {"IPAddress", "LocationLatitude", "LocationLongitude", "RecipientEmail"} <= set(report.ignored_columns)
    first = answers(workspace, "R_ai0ydHhDpkc0Bim")  # row 4 of the file, read by hand
    assert first["mcsa"] == "3" and first["mcsa_na"] == "1" and first["program_sat_staff"] == "4"
    assert first["mcma_standard"] == "4;6;7"  # columns _4, _6, _7 hold 1
    assert first["te_numeric"] == "36"
    assert "mcsa-mte_44_TEXT" not in first  # -99: seen but not answered
    assert q(workspace, "SELECT submitted_at FROM responses WHERE external_id = 'R_ai0ydHhDpkc0Bim'") == [
        (__import__("datetime").datetime(2021, 1, 21, 15, 55, 36),)  # 10:55:36 New York = 15:55:36 UTC
    ]
    types = dict(q(workspace, "SELECT code, type FROM questions WHERE code IN ('mcma_standard', 'te_standard')"))
    assert types == {"mcma_standard": "multi", "te_standard": "text"}
    assert q(
        workspace,
        "SELECT count(*) FROM answers a JOIN questions x ON x.id = a.question_id "
        "WHERE x.code = 'mcsa-mte_44_TEXT' AND a.value_text = '-99'",
    ) == [(0,)]
    again = import_file(workspace, path)
    assert (again.inserted, again.already_stored) == (0, 150)


def test_qsf_gives_real_questions_and_the_csv_imports_onto_it(workspace: Workspace) -> None:
    report = import_survey(workspace, FORMATS / "qualtrics" / "QualtricsTools__Winter2021.qsf")
    assert report.mapping["code"] == "SV_77coJhLgXvGU7Wu"
    rows = dict(
        q(
            workspace,
            "SELECT x.code, x.type FROM questions x WHERE x.code IN ('mcsa_na', 'mcma_standard', 'te_standard')",
        )
    )
    assert rows == {"mcsa_na": "single", "mcma_standard": "multi", "te_standard": "text"}
    labels = q(
        workspace,
        """SELECT c.code, t.text FROM choices c JOIN questions x ON x.id = c.question_id
        JOIN texts t ON t.entity = 'choice' AND t.entity_id = c.id WHERE x.code = 'mcsa_na' ORDER BY c.position""",
    )
    assert labels == [("3", "Yes"), ("2", "Maybe"), ("1", "No"), ("-1", "Not applicable")] or labels[0] == ("3", "Yes")
    data = FORMATS / "qualtrics" / "QualtricsTools__Winter2021_DataTable_2021-01-21.csv"
    imported = import_file(workspace, data, survey="SV_77coJhLgXvGU7Wu")
    assert imported.inserted == 150
    assert answers(workspace, "R_ai0ydHhDpkc0Bim")["mcsa_na"] == "1"


def test_qualtrics_small_samples_drop_ip_and_location(workspace: Workspace) -> None:
    for name in ("qualtRics__sample.csv", "qualtRics__sample_legacy.csv"):
        report = import_file(workspace, FORMATS / "qualtrics" / name)
        assert report.inserted == 1 and "IPAddress" in report.ignored_columns
    texts = q(workspace, "SELECT a.value_text FROM answers a WHERE a.value_text IS NOT NULL")
    assert ("Hello World!",) in texts
    stored = q(workspace, "SELECT count(*) FROM answers WHERE value_text LIKE '%130.92%' OR value_text LIKE '47.11%'")
    assert stored == [(0,)]


def test_wjx_text_export_needs_a_date_then_imports_other_text(workspace: Workspace) -> None:
    path = FORMATS / "wjx" / "reportgen__wjx_800_800_0.xls"
    with pytest.raises(MappingError, match="constants"):
        import_file(workspace, path)  # 提交答卷时间 was blanked by whoever shared the file
    report = import_file(workspace, path, mapping=Mapping("responses", constants={"submitted_at": "2017-01-01"}))
    assert (report.rows_read, report.inserted, report.rejected) == (800, 800, 0)
    assert "来自IP" in report.ignored_columns
    first = answers(workspace, "1")  # 1部, 3000-3499元, 男 … 运动┋影视┋购物
    assert first["q1"] == "1部" and first["q3"] == "男"
    assert first["q6"] == "影视;购物;运动"
    other = q(
        workspace,
        "SELECT a.value_text FROM answers a JOIN questions x ON x.id = a.question_id "
        "WHERE x.code = 'q2_other' ORDER BY 1",
    )
    assert other == [("亲友赠送的",), ("我妈买的。",)]


def test_wjx_number_export_joins_option_columns(workspace: Workspace) -> None:
    path = FORMATS / "wjx" / "reportgen__wjx_800_800_2.xls"
    report = import_file(workspace, path, mapping=Mapping("responses", constants={"submitted_at": "2017-01-01"}))
    assert report.inserted == 800
    first = answers(workspace, "1")
    assert first["q1"] == "1" and first["q2"] == "7"
    assert first["q6"] == "1;12;3"  # 运动, 影视, 购物 (options 1, 3, 12)
    assert first["q8"] == "2;4"


def test_surveymonkey_csv_and_xls(workspace: Workspace) -> None:
    steak = import_file(workspace, FORMATS / "surveymonkey" / "fivethirtyeight__steak-risk-survey.csv", mapping=DATED)
    assert (steak.rows_read, steak.inserted) == (550, 550)
    row = answers(workspace, "3234982343")
    assert row["q1"] == "Lottery A" and row["q2"] == "No" and row["q9"] == "Medium rare"
    assert answers(workspace, "3237565956") == {"q1": "Lottery B"}
    xls = import_file(workspace, FORMATS / "surveymonkey" / "rsangole__Sheet_1.xls")
    assert (xls.inserted, xls.rejected) == (61, 0)
    assert {"IP Address", "Email Address", "First Name", "LastName"} <= set(xls.ignored_columns)
    first = answers(workspace, "4903077384")  # ratings 3, 6, 5 … for Distant, Talkative, Careless
    assert (first["q1_1"], first["q1_2"], first["q1_3"]) == ("3", "6", "5")
    text = q(
        workspace,
        "SELECT t.text FROM questions x JOIN texts t ON t.entity = 'question' AND t.entity_id = x.id "
        "WHERE x.code = 'q1_2'",
    )
    assert text[0][0].endswith("- Talkative")


def test_limesurvey_exports_refuse_incomplete_responses(workspace: Workspace) -> None:
    path = FORMATS / "limesurvey" / "uu-accent__results.csv"
    with pytest.raises(InvalidRowsError) as caught:
        import_file(workspace, path)
    assert [(i.row, i.column) for i in caught.value.issues] == [(r, "submitdate") for r in (5, 9, 12, 67)]
    report = import_file(workspace, path, skip_invalid=True)
    assert (report.inserted, report.rejected) == (62, 4)
    first = answers(workspace, "6")
    assert first["leeftijd"] == "22" and first["Geslacht"] == "man" and first["opleiding"] == "VWO"
    r_data = import_file(
        workspace, FORMATS / "limesurvey" / "limonaid__survey_998192_R_data_file.csv", skip_invalid=True
    )
    assert r_data.inserted >= 1 and r_data.rejected == r_data.rows_read - r_data.inserted


def test_spss_labels_become_a_likert_survey(workspace: Workspace) -> None:
    report = import_file(workspace, FORMATS / "spss" / "pspp__hotel.sav", mapping=DATED)
    assert (report.rows_read, report.inserted) == (17, 17)
    rows = q(workspace, "SELECT code, type, scale_min, scale_max FROM questions ORDER BY position")
    assert rows[0] == ("v1", "likert", 1.0, 5.0) and len(rows) == 5
    labels = q(
        workspace,
        "SELECT t.text FROM choices c JOIN texts t ON t.entity = 'choice' AND t.entity_id = c.id "
        "JOIN questions x ON x.id = c.question_id WHERE x.code = 'v1' ORDER BY c.position",
    )
    assert [r[0] for r in labels] == ["Strongly Disagree", "Disagree", "No Opinion", "Agree", "Strongly Agree"]
    assert answers(workspace, "1") == {"v1": "4", "v2": "2", "v3": "3", "v4": "4", "v5": "1"}


def test_spss_user_missing_values_are_skipped(workspace: Workspace) -> None:
    import_file(workspace, FORMATS / "spss" / "pyreadstat__sample_missing.sav", mapping=DATED)
    sixth = answers(workspace, "6")  # mylabl -1 and myord -1 are user-missing, mynum -1 too
    assert "mylabl" not in sixth and "myord" not in sixth and "mynum" not in sixth
    assert answers(workspace, "1")["mylabl"] == "1"
    assert answers(workspace, "7").get("mynum") is None  # 2500 is in the missing range 2000–3000


def test_stata_value_labels(workspace: Workspace) -> None:
    report = import_file(workspace, FORMATS / "stata" / "pyreadstat__sample.dta", mapping=DATED)
    assert report.inserted == 5
    assert answers(workspace, "2")["mylabl"] == "2"
    labels = q(
        workspace,
        "SELECT c.code, t.text FROM choices c JOIN texts t ON t.entity = 'choice' "
        "AND t.entity_id = c.id JOIN questions x ON x.id = c.question_id WHERE x.code = 'mylabl' ORDER BY 1",
    )
    assert labels == [("1", "Male"), ("2", "Female")]


def test_freshdesk_contacts_are_dropped(workspace: Workspace) -> None:
    path = FORMATS / "tickets" / "devrev2ndproject__freshdesk_tickets.csv"
    with pytest.raises(InvalidRowsError) as caught:
        import_file(workspace, path)
    assert [(i.row, i.column, i.value) for i in caught.value.issues] == [(11, "Status", "OpenPending")]
    mapping = Mapping("tickets", values={"status": {"OpenPending": "pending"}})
    report = import_file(workspace, path, mapping=mapping)
    assert (report.kind, report.inserted) == ("tickets", 45)
    assert {"Email", "Mobile phone", "Full name"} <= set(report.ignored_columns)
    assert q(workspace, "SELECT status, priority, subject FROM tickets WHERE external_id = '1'") == [
        ("pending", "high", "404 error when on a specific page")
    ]


def test_freshdesk_with_masking_keeps_no_email(workspace: Workspace) -> None:
    workspace.set_setting("mask_pii", True)
    path = FORMATS / "tickets" / "devrev2ndproject__freshdesk_tickets.csv"
    import_file(workspace, path, mapping=Mapping("tickets", values={"status": {"OpenPending": "pending"}}))
    assert q(workspace, "SELECT count(*) FROM customers WHERE external_id LIKE '%@%'") == [(0,)]
    assert q(workspace, "SELECT count(*) FROM tickets WHERE description LIKE '%@%.%'") == [(0,)]
    assert q(workspace, "SELECT count(DISTINCT customer_id) FROM tickets")[0][0] > 1


def test_google_forms_needs_its_date_format(workspace: Workspace) -> None:
    path = FORMATS / "googleforms" / "autistica__Form_Responses_1.csv"
    with pytest.raises(InvalidRowsError, match="not a date/time"):
        import_file(workspace, path)  # 8/21/2019: month first, so it is not guessed
    report = import_file(workspace, path, date_format="%m/%d/%Y %H:%M:%S")
    assert (report.rows_read, report.inserted) == (42, 42)
    rows = q(
        workspace,
        "SELECT x.code, coalesce(c.code, a.value_text) FROM answers a JOIN responses r ON "
        "r.id = a.response_id JOIN questions x ON x.id = a.question_id LEFT JOIN choices c ON c.id = a.choice_id "
        "WHERE r.submitted_at = TIMESTAMP '2019-08-21 13:10:31' ORDER BY 1",
    )
    assert rows[0] == ("q1", "Yes") and ("q3", "I am autistic") in rows and ("q4", "Yes") in rows
