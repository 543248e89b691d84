"""The bilingual form the survey tests use: every question type, dimensions, weights and skip logic."""

from __future__ import annotations

from typing import Any

DEFINITION: dict[str, Any] = {
    "code": "visit",
    "title": {"zh": "门店体验调查", "en": "Store visit survey"},
    "default_language": "zh",
    "description": {"zh": "约需两分钟。", "en": "About two minutes."},
    "dimensions": [
        {"code": "service", "name": {"zh": "服务", "en": "Service"}, "weight": 0.6},
        {"code": "price", "name": {"zh": "价格", "en": "Price"}, "weight": 0.4},
    ],
    "questions": [
        {
            "code": "nps",
            "type": "nps",
            "text": {"zh": "您有多大可能推荐我们?", "en": "Would you recommend us?"},
            "required": True,
        },
        {
            "code": "why_low",
            "type": "text",
            "text": {"zh": "哪里让您失望?", "en": "What disappointed you?"},
            "show_if": {"question": "nps", "op": "lte", "value": 6},
            "required": True,
        },
        {"code": "csat", "type": "csat", "scale": [1, 5], "text": {"zh": "总体满意度", "en": "Overall satisfaction"}},
        {"code": "ces", "type": "ces", "scale": [1, 7], "text": {"zh": "办理是否省力", "en": "Ease"}},
        {
            "code": "staff",
            "type": "likert",
            "scale": [1, 5],
            "dimension": "service",
            "weight": 1.0,
            "text": {"zh": "店员专业", "en": "Staff were knowledgeable"},
        },
        {
            "code": "value",
            "type": "rating",
            "scale": [1, 10],
            "dimension": "price",
            "text": {"zh": "性价比", "en": "Value for money"},
        },
        {
            "code": "visited",
            "type": "single",
            "text": {"zh": "您去过哪家门店?", "en": "Which store?"},
            "choices": [
                {"code": "north", "text": {"zh": "北店", "en": "North"}},
                {"code": "south", "text": {"zh": "南店", "en": "South"}},
            ],
        },
        {
            "code": "bought",
            "type": "multi",
            "text": {"zh": "购买了什么?", "en": "What did you buy?"},
            "choices": [
                {"code": "tv", "text": {"zh": "电视", "en": "TV"}},
                {"code": "fridge", "text": {"zh": "冰箱", "en": "Fridge"}},
                {"code": "other", "text": {"zh": "其他", "en": "Other"}},
            ],
        },
        {
            "code": "tv_ok",
            "type": "likert",
            "scale": [1, 5],
            "text": {"zh": "电视满意", "en": "Happy with the TV"},
            "show_if": {"question": "bought", "op": "contains", "value": "tv"},
        },
        {"code": "comment", "type": "text", "text": {"zh": "其他意见", "en": "Anything else?"}},
    ],
}
