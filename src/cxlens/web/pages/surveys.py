"""The survey builder: list, create and edit forms (every question type, dimensions, weights, skip logic,
zh/en texts), preview, publish, close, the public link with its QR code, and invitation links.

Seeing surveys needs ``surveys.view`` (agents too: they enter interviews); editing needs ``surveys.edit``
and publishing, closing and inviting ``surveys.publish`` (admin, analyst). Every change is audited.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from cxlens.exceptions import ConfigurationError, SurveyNotFoundError
from cxlens.model import tables as t
from cxlens.surveys import (
    FormInfo,
    Version,
    close_form,
    create_form,
    create_invitations,
    form_from_survey,
    get_form,
    invitation_counts,
    list_forms,
    parse_form,
    publish,
    qr_png,
    qr_svg,
    survey_link,
    update_form,
)
from cxlens.web import audit
from cxlens.web.accounts import User
from cxlens.web.deps import Db, actor, render, require
from cxlens.web.i18n import add_messages
from cxlens.web.nav import NavItem
from cxlens.web.pages._surveyform import (
    BUILDER_OPS,
    BUILDER_TYPES,
    builder_fields,
    builder_from_post,
    definition_from_builder,
)
from cxlens.web.pages.public import forget_links, render_form

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.surveys", "/surveys", "surveys.view", order=55)]

add_messages(
    {
        "nav.surveys": ("问卷", "Surveys"),
        "surveys.title": ("问卷表单", "Survey forms"),
        "surveys.new": ("新建问卷", "New survey"),
        "surveys.from_existing": ("由已导入的问卷创建", "Create from an imported survey"),
        "surveys.create": ("创建", "Create"),
        "surveys.none": ("还没有问卷表单。", "No survey forms yet."),
        "surveys.code": ("代码", "code"),
        "surveys.form_title": ("标题", "title"),
        "surveys.version": ("版本", "version"),
        "surveys.status": ("状态", "status"),
        "surveys.open": ("开放中", "open"),
        "surveys.closed": ("未开放", "not open"),
        "surveys.draft": ("草稿", "draft"),
        "surveys.responses": ("答卷数", "responses"),
        "surveys.access": ("填写方式", "access"),
        "surveys.access.anonymous": ("公开(匿名)", "anyone with the link"),
        "surveys.access.invitation": ("仅限受邀(每个邀请一份答卷)", "invitation only (one response each)"),
        "surveys.link": ("公开链接", "public link"),
        "surveys.qr": ("二维码", "QR code"),
        "surveys.qr_alt": ("问卷链接二维码", "QR code of the survey link"),
        "surveys.download_svg": ("下载 SVG", "Download SVG"),
        "surveys.download_png": ("下载 PNG", "Download PNG"),
        "surveys.edit": ("编辑", "Edit"),
        "surveys.preview": ("预览", "Preview"),
        "surveys.publish": ("发布", "Publish"),
        "surveys.close": ("关闭", "Close"),
        "surveys.publish_note": (
            "发布会把当前定义保存为新版本;题目变化时答卷存入新的问卷代码。",
            "Publishing stores the current definition as a new version; changed questions store answers "
            "under a new survey code.",
        ),
        "surveys.stored_as": ("答卷存入问卷", "answers stored under survey"),
        "surveys.invite": ("生成邀请链接", "Create invitation links"),
        "surveys.invitations": ("邀请", "invitations"),
        "surveys.invite_count": ("数量", "how many"),
        "surveys.invite_customers": ("或:客户编号(每行一个)", "or: customer ids (one a line)"),
        "surveys.invite_channel": ("发送渠道(sms、email …)", "channel (sms, email …)"),
        "surveys.invite_csv": ("下载 CSV", "download CSV"),
        "surveys.invited": ("已邀请 {invited},已作答 {answered}", "{invited} invited, {answered} answered"),
        "surveys.invite_once": (
            "邀请链接只显示这一次,请立即保存。",
            "These links are shown only now: save them.",
        ),
        "surveys.enter": ("录入访谈答卷", "Enter an interview"),
        "builder.survey": ("问卷", "Survey"),
        "builder.title_zh": ("标题(中文)", "Title (Chinese)"),
        "builder.title_en": ("标题(英文)", "Title (English)"),
        "builder.description_zh": ("说明(中文)", "Introduction (Chinese)"),
        "builder.description_en": ("说明(英文)", "Introduction (English)"),
        "builder.default_language": ("默认语言", "Default language"),
        "builder.dimensions": ("维度与权重", "Dimensions and weights"),
        "builder.dimension": ("维度", "Dimension"),
        "builder.name_zh": ("名称(中文)", "Name (Chinese)"),
        "builder.name_en": ("名称(英文)", "Name (English)"),
        "builder.weight": ("权重", "Weight"),
        "builder.remove": ("删除", "Remove"),
        "builder.questions": ("题目", "Questions"),
        "builder.question": ("第 {n} 题", "Question {n}"),
        "builder.position": ("顺序", "Order"),
        "builder.type": ("题型", "Type"),
        "builder.text_zh": ("题目(中文)", "Question (Chinese)"),
        "builder.text_en": ("题目(英文)", "Question (English)"),
        "builder.help_zh": ("提示(中文)", "Help (Chinese)"),
        "builder.help_en": ("提示(英文)", "Help (English)"),
        "builder.required": ("必答", "Required"),
        "builder.scale_min": ("量表最小值", "Scale from"),
        "builder.scale_max": ("量表最大值", "Scale to"),
        "builder.choices": (
            "选项:每行 代码 | 中文 | English | 分值",
            "Options: one a line, code | 中文 | English | score",
        ),
        "builder.show_if": ("跳题逻辑:仅当…时显示", "Skip logic: show only if"),
        "builder.if_question": ("前面题目的代码", "earlier question's code"),
        "builder.if_op": ("条件", "condition"),
        "builder.if_value": ("值(多个用逗号分隔)", "value (comma-separated for in)"),
        "builder.add_question": ("再加一题", "Add a question"),
        "builder.add_dimension": ("再加一个维度", "Add a dimension"),
        "builder.save": ("保存", "Save"),
        "builder.yaml": ("以 YAML 编辑", "Edit as YAML"),
        "builder.saved": ("已保存。", "Saved."),
        "type.nps": ("NPS 净推荐值 (0–10)", "NPS (0–10)"),
        "type.csat": ("CSAT 满意度", "CSAT satisfaction"),
        "type.ces": ("CES 费力度", "CES effort"),
        "type.rating": ("评分", "Rating"),
        "type.likert": ("李克特量表", "Likert scale"),
        "type.single": ("单选", "Single choice"),
        "type.multi": ("多选", "Multiple choice"),
        "type.text": ("开放题", "Open text"),
        "type.number": ("数值", "Number"),
        "op.": ("(总是显示)", "(always shown)"),
        "op.equals": ("等于", "equals"),
        "op.not_equals": ("不等于", "does not equal"),
        "op.in": ("属于", "is one of"),
        "op.not_in": ("不属于", "is none of"),
        "op.gt": ("大于", "greater than"),
        "op.gte": ("大于等于", "at least"),
        "op.lt": ("小于", "less than"),
        "op.lte": ("小于等于", "at most"),
        "op.contains": ("包含选项", "includes option"),
        "op.answered": ("已作答", "is answered"),
        "op.not_answered": ("未作答", "is not answered"),
    }
)

#: blank rows the builder adds below the filled ones
BLANK_QUESTIONS = 2
BLANK_DIMENSIONS = 1


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _builder_page(
    request: Request,
    fields: dict[str, Any],
    *,
    new: bool,
    access: str,
    error: str | None = None,
    status: int = 200,
    extra_questions: int = 0,
    extra_dims: int = 0,
    saved: bool = False,
    stored: dict[str, Any] | None = None,
) -> HTMLResponse:
    blank_q = {"code": "", "type": "likert", "position": "", "required": False}
    fields = dict(fields)
    fields["questions"] = list(fields["questions"]) + [
        dict(blank_q, position=len(fields["questions"]) + k + 1) for k in range(BLANK_QUESTIONS + extra_questions)
    ]
    fields["dims"] = list(fields["dims"]) + [{"code": ""} for _ in range(BLANK_DIMENSIONS + extra_dims)]
    context = {
        "f": fields,
        "new": new,
        "access": access,
        "error": error,
        "saved": saved,
        "types": BUILDER_TYPES,
        "ops": BUILDER_OPS,
        "yaml_text": yaml.safe_dump(stored, allow_unicode=True, sort_keys=False) if stored else "",
    }
    return render(request, "surveys/edit.html", context, status_code=status)


def _keep_unseen(definition: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """Keep what the builder's rows do not show: the survey's status, template and competitor, each
    question's scale anchors, and further skip-logic conditions after the first (edit those as YAML)."""
    for key in ("status", "template", "competitor"):
        if key in stored and key not in definition:
            definition[key] = stored[key]
    before = {q["code"]: q for q in stored.get("questions") or []}
    for q in definition["questions"]:
        old = before.get(q["code"])
        if old is None:
            continue
        if "anchors" in old:
            q.setdefault("anchors", old["anchors"])
        conds = old.get("show_if")
        if isinstance(conds, list) and len(conds) > 1 and q.get("show_if") == conds[0]:
            q["show_if"] = conds
    return definition


@router.get("/surveys", response_class=HTMLResponse)
def surveys_list(request: Request, ws: Db, user: Annotated[User, require("surveys.view")]) -> HTMLResponse:
    forms = list_forms(ws)
    with ws.engine.connect() as conn:
        installed = list(
            conn.execute(t.surveys.select().with_only_columns(t.surveys.c.code).order_by("code")).scalars()
        )
    have = {f.code for f in forms}
    base = _base_url(request)
    rows = [{"form": f, "link": survey_link(base, f.slug)} for f in forms]
    return render(request, "surveys/list.html", {"rows": rows, "importable": [c for c in installed if c not in have]})


def _posted(data: FormData, key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


async def _save(request: Request, ws: Any, user: User, code: str | None) -> Response:
    data = await request.form()
    action, access = _posted(data, "action"), _posted(data, "access") or "anonymous"
    stored = get_form(ws, code).definition if code is not None else None
    if action in ("add_question", "add_dimension"):
        return _builder_page(
            request,
            builder_from_post(data),
            new=code is None,
            access=access,
            extra_questions=int(action == "add_question"),
            extra_dims=int(action == "add_dimension"),
            stored=stored,
        )
    definition = definition_from_builder(data)
    if code is not None and stored is not None:
        definition = _keep_unseen({**definition, "code": code}, stored)
    try:
        if code is None:
            info = create_form(ws, definition, access=access, by=user.username)
            audit.record_now(ws, actor(request, user), "survey.create", info.code, {"access": access})
        else:
            info = update_form(ws, code, definition, access=access, by=user.username)
            forget_links(request)
            audit.record_now(ws, actor(request, user), "survey.update", info.code, {"access": access})
    except ConfigurationError as e:
        return _builder_page(
            request, builder_from_post(data), new=code is None, access=access, error=str(e), status=422, stored=stored
        )
    return RedirectResponse(f"/surveys/{info.code}?saved=1", status_code=303)


@router.get("/surveys/new", response_class=HTMLResponse)
def new_page(request: Request, ws: Db, user: Annotated[User, require("surveys.edit")]) -> HTMLResponse:
    empty = {"code": "", "title": {}, "default_language": "zh", "dimensions": [], "questions": []}
    return _builder_page(request, builder_fields(empty), new=True, access="anonymous")


@router.post("/surveys/new")
async def new_save(request: Request, ws: Db, user: Annotated[User, require("surveys.edit")]) -> Response:
    return await _save(request, ws, user, None)


@router.post("/surveys/from-existing")
def from_existing(
    request: Request, ws: Db, user: Annotated[User, require("surveys.edit")], survey: Annotated[str, Form()]
) -> Response:
    info = form_from_survey(ws, survey, by=user.username)
    audit.record_now(ws, actor(request, user), "survey.create", info.code, {"from_survey": survey})
    return RedirectResponse(f"/surveys/{info.code}", status_code=303)


@router.get("/surveys/{code}", response_class=HTMLResponse)
def detail(
    request: Request, ws: Db, user: Annotated[User, require("surveys.view")], code: str, saved: int = 0
) -> HTMLResponse:
    info = get_form(ws, code)
    context = {
        "info": info,
        "link": survey_link(_base_url(request), info.slug),
        "counts": invitation_counts(ws, code),
        "saved": bool(saved),
    }
    return render(request, "surveys/detail.html", context)


@router.get("/surveys/{code}/edit", response_class=HTMLResponse)
def edit_page(request: Request, ws: Db, user: Annotated[User, require("surveys.edit")], code: str) -> HTMLResponse:
    info = get_form(ws, code)
    return _builder_page(
        request, builder_fields(info.definition), new=False, access=info.access, stored=info.definition
    )


@router.post("/surveys/{code}/edit")
async def edit_save(request: Request, ws: Db, user: Annotated[User, require("surveys.edit")], code: str) -> Response:
    get_form(ws, code)
    return await _save(request, ws, user, code)


@router.post("/surveys/{code}/yaml")
def edit_yaml(
    request: Request,
    ws: Db,
    user: Annotated[User, require("surveys.edit")],
    code: str,
    definition: Annotated[str, Form(max_length=500_000)],
) -> Response:
    info = get_form(ws, code)
    try:
        data = yaml.safe_load(definition)
        if not isinstance(data, dict):
            raise ConfigurationError("the YAML must be a mapping (code:, title:, questions: …)")
        data["code"] = code
        info = update_form(ws, code, data, by=user.username)
        forget_links(request)
    except (ConfigurationError, yaml.YAMLError) as e:
        return _builder_page(
            request,
            builder_fields(info.definition),
            new=False,
            access=info.access,
            error=str(e),
            status=422,
            stored=info.definition,
        )
    audit.record_now(ws, actor(request, user), "survey.update", code, {"via": "yaml"})
    return RedirectResponse(f"/surveys/{code}?saved=1", status_code=303)


@router.get("/surveys/{code}/preview", response_class=HTMLResponse)
def preview(request: Request, ws: Db, user: Annotated[User, require("surveys.view")], code: str) -> HTMLResponse:
    """The current definition (published or not) as a respondent would see it; nothing can be submitted."""
    info = get_form(ws, code)
    draft = Version(0, info.id, info.code, 0, 0, info.slug, info.access, False, parse_form(info.definition))
    return render_form(request, draft, preview=True, action="#")


@router.post("/surveys/{code}/publish")
def publish_page(request: Request, ws: Db, user: Annotated[User, require("surveys.publish")], code: str) -> Response:
    info = publish(ws, code, by=user.username)
    forget_links(request)
    audit.record_now(
        ws, actor(request, user), "survey.publish", code, {"version": info.version, "survey": info.survey_code}
    )
    return RedirectResponse(f"/surveys/{code}", status_code=303)


@router.post("/surveys/{code}/close")
def close_page(request: Request, ws: Db, user: Annotated[User, require("surveys.publish")], code: str) -> Response:
    close_form(ws, code, by=user.username)
    forget_links(request)
    audit.record_now(ws, actor(request, user), "survey.update", code, {"closed": True})
    return RedirectResponse(f"/surveys/{code}", status_code=303)


@router.post("/surveys/{code}/invite", response_model=None)
def invite_page(
    request: Request,
    ws: Db,
    user: Annotated[User, require("surveys.publish")],
    code: str,
    count: Annotated[str, Form(max_length=10)] = "",
    customers: Annotated[str, Form(max_length=2_000_000)] = "",
    channel: Annotated[str, Form(max_length=50)] = "",
    as_csv: Annotated[str, Form(alias="format")] = "",
) -> Response:
    ids = [line.strip() for line in customers.splitlines() if line.strip()]
    try:
        number = int(count) if count.strip() and not ids else None
    except ValueError:
        raise ConfigurationError(f"the number of invitations must be a whole number, not {count!r}") from None
    made = create_invitations(ws, code, number, customers=ids, channel=channel or None, base_url=_base_url(request))
    audit.record_now(ws, actor(request, user), "survey.publish", code, {"invitations": len(made), "channel": channel})
    rows = [{"id": m.id, "customer": m.customer or "", "link": m.url} for m in made]
    if as_csv == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=["id", "customer", "link"])
        writer.writeheader()
        writer.writerows(rows)
        return Response(
            "\ufeff" + buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{code}-invitations.csv"'},
        )
    return render(request, "surveys/invited.html", {"code": code, "rows": rows})


def _qr_link(request: Request, ws: Any, code: str) -> tuple[FormInfo, str]:
    info = get_form(ws, code)
    if info.version is None:
        raise SurveyNotFoundError(f"survey form {code!r} is not published yet: it has no public link")
    return info, survey_link(_base_url(request), info.slug)


@router.get("/surveys/{code}/qr.svg")
def qr_svg_file(request: Request, ws: Db, user: Annotated[User, require("surveys.view")], code: str) -> Response:
    _, link = _qr_link(request, ws, code)
    return Response(qr_svg(link), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=300"})


@router.get("/surveys/{code}/qr.png")
def qr_png_file(request: Request, ws: Db, user: Annotated[User, require("surveys.view")], code: str) -> Response:
    _, link = _qr_link(request, ws, code)
    return Response(
        qr_png(link, scale=10),
        media_type="image/png",
        headers={"Content-Disposition": f'attachment; filename="{code}-qr.png"'},
    )
