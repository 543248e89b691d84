"""Getting data in: readers, mappings, validation, and the one import path."""

from __future__ import annotations

from cxlens.ingest.importer import import_file, import_survey
from cxlens.ingest.mapping import Mapping, infer_mapping, load_mapping
from cxlens.ingest.readers import read_table
from cxlens.ingest.report import ImportReport

__all__ = [
    "ImportReport",
    "Mapping",
    "import_file",
    "import_survey",
    "infer_mapping",
    "load_mapping",
    "read_table",
]
