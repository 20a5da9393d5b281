"""Where the sample price lists are, wherever the repository is cloned.

Plain Python (no Django), so that the importer tests also run without settings. In order:

1. the directory named by the environment variable ``SHARED_DATA_DIR``, if set;
2. ``<repo>/../shared/data``, if it exists (the shared folder beside a checkout);
3. ``<repo>/tests/data/samples``, the copy kept in the repository (the suite is self-contained).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "tests" / "data" / "samples"
NAMES = (
    "pricelist_ru_cp1251.csv",
    "pricelist_vi_utf8bom.csv",
    "pricelist_en_quantity_breaks.xlsx",
    "pricelist_broken.csv",
)


def resolve(environ: Mapping[str, str] = os.environ, repo: Path = REPO) -> Path:
    configured = environ.get("SHARED_DATA_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    beside = repo.parent / "shared" / "data"
    if beside.is_dir():
        return beside
    return repo / "tests" / "data" / "samples"


SAMPLES: Path = resolve()
