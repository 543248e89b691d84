"""cxlens: customer-experience analytics — surveys, feedback, tickets and orders in one workspace.

客户体验分析:问卷、反馈、工单与订单,统一在一个工作区中。
"""

from __future__ import annotations

from cxlens.exceptions import CxlensError
from cxlens.ingest import ImportReport, Mapping, import_file, import_survey, load_mapping, read_table
from cxlens.store import Workspace

__version__ = "0.1.0"

__all__ = [
    "CxlensError",
    "ImportReport",
    "Mapping",
    "Workspace",
    "__version__",
    "import_file",
    "import_survey",
    "load_mapping",
    "read_table",
]
