from __future__ import annotations

import cxlens


def test_public_api_is_pinned() -> None:
    assert sorted(cxlens.__all__) == [
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
    for name in cxlens.__all__:
        assert hasattr(cxlens, name)
