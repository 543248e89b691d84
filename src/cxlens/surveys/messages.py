"""What a respondent or a staff member reads: validation messages and scale anchors, in Chinese and English.

Messages are data (``MESSAGES``: id → (zh, en)), so the library reports *which* rule failed with its
parameters and every surface words it in the reader's language the same way.
"""

from __future__ import annotations

__all__ = ["ANCHORS", "LANGUAGES", "MESSAGES", "message", "pick"]

#: the languages the respondent-facing pages are written in
LANGUAGES = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("此题为必答题,请作答。", "This question is required."),
    "not_a_number": ("请输入一个数字。", "Please enter a number."),
    "out_of_scale": ("请选择 {low} 到 {high} 之间的分值。", "Choose a value from {low} to {high}."),
    "whole_number": ("请选择 0 到 10 之间的整数。", "Choose a whole number from 0 to 10."),
    "not_a_choice": ("请从给出的选项中选择。", "Choose one of the options shown."),
    "one_choice": ("此题只能选择一项。", "Choose only one option."),
    "too_long": ("回答不能超过 {limit} 个字符。", "Keep your answer under {limit} characters."),
    "unknown_question": ("问卷中没有这道题。", "This survey has no such question."),
    "form_errors": ("有 {count} 道题需要修改,请查看下方提示。", "{count} answer(s) need attention; see below."),
    "rate_limited": (
        "提交过于频繁,请在 {seconds} 秒后重试。",
        "Too many submissions from your network; please try again in {seconds} seconds.",
    ),
    "closed": ("此问卷已关闭,感谢您的关注。", "This survey is closed. Thank you for your interest."),
    "not_found": ("找不到此问卷,请检查链接。", "This survey cannot be found; please check the link."),
    "invitation_required": (
        "此问卷仅限受邀者填写,请使用邀请链接打开。",
        "This survey is by invitation only; please open it from your invitation link.",
    ),
    "invitation_unknown": (
        "邀请链接无效,请检查链接是否完整。",
        "This invitation link is not valid; check it is complete.",
    ),
    "invitation_used": ("此邀请链接已经提交过答卷,感谢您的参与。", "This invitation has already been used. Thank you."),
    "token_invalid": (
        "表单已过期或无效,请刷新页面后重新提交(您的回答已保留)。",
        "This form has expired or is not valid; please submit it again (your answers are kept).",
    ),
    "thanks": ("提交成功,感谢您的反馈!", "Thank you — your answers have been received."),
    "text_required": ("请填写内容。", "Please enter the text."),
    "rating_range": ("评分须在 0 到 10 之间。", "The rating must be from 0 to 10."),
    "bad_date": ("日期时间格式应为 YYYY-MM-DD HH:MM。", "Use the date format YYYY-MM-DD HH:MM."),
    "bad_choice": ("请选择一个有效的选项。", "Choose a valid option."),
}

#: default end labels of each scaled question type: (low, high), each (zh, en)
ANCHORS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "nps": (("完全不可能", "Not at all likely"), ("极有可能", "Extremely likely")),
    "csat": (("非常不满意", "Very dissatisfied"), ("非常满意", "Very satisfied")),
    "ces": (("非常困难", "Very difficult"), ("非常容易", "Very easy")),
    "likert": (("非常不同意", "Strongly disagree"), ("非常同意", "Strongly agree")),
    "rating": (("很差", "Poor"), ("很好", "Excellent")),
}


def message(key: str, lang: str, **params: object) -> str:
    """The message ``key`` in ``lang`` (``zh``; anything else gives English), formatted with ``params``."""
    zh, en = MESSAGES[key]
    text = zh if lang == "zh" else en
    return text.format(**params) if params else text


def pick(texts: dict[str, str], lang: str, default: str = "zh") -> str:
    """The text in ``lang``, else in ``default``, else the language-neutral one (``und``), else any."""
    for key in (lang, default, "und"):
        if texts.get(key):
            return texts[key]
    return next(iter(texts.values()), "")
