"""Labels the CLI prints, in Chinese and English (``CXLENS_LANG`` or ``--lang`` chooses)."""

from __future__ import annotations

__all__ = ["LABELS", "label"]

LABELS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "customers": ("客户", "customers"),
    "surveys": ("问卷", "surveys"),
    "questions": ("题目", "questions"),
    "responses": ("答卷", "responses"),
    "answers": ("答案", "answers"),
    "feedback": ("反馈文本", "feedback texts"),
    "tickets": ("工单", "tickets"),
    "agents": ("客服人员", "agents"),
    "orders": ("订单", "orders"),
    "competitors": ("竞争对手", "competitors"),
    "import_runs": ("导入批次", "import runs"),
    "table": ("数据表", "table"),
    "rows": ("行数", "rows"),
    "workspace": ("工作区", "workspace"),
    "database": ("数据库", "database"),
    "period": ("时间范围", "period"),
    "languages": ("反馈语言", "feedback languages"),
    "sources": ("反馈来源", "feedback sources"),
    "read": ("读取", "read"),
    "inserted": ("新增", "inserted"),
    "updated": ("更新", "updated"),
    "duplicates_in_file": ("文件内重复", "duplicates in file"),
    "already_stored": ("已存在(跳过)", "already stored (skipped)"),
    "rejected": ("拒绝", "rejected"),
    "customers_created": ("新建客户", "customers created"),
    "field": ("字段", "field"),
    "column": ("文件列", "file column"),
    "ignored": ("未使用的列", "ignored columns"),
    "attributes": ("客户属性列", "attribute columns"),
    "same_file": (
        "该文件此前已导入(批次 {run}),本次未新增重复数据",
        "this file was imported before (run {run}); nothing was added twice",
    ),
    "dry_run": ("试运行:未写入任何数据", "dry run: nothing was stored"),
    "created": ("已创建工作区", "created workspace"),
    "recent_imports": ("最近导入", "recent imports"),
}


def label(key: str, lang: str, **fmt: object) -> str:
    zh, en = LABELS.get(key, (key, key))
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text
