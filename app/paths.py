"""Where the project's data files live: migrations, canvas templates and the catalogue seed.

They sit beside the ``app`` package in a checkout. An installed package (the Docker image)
points ``DUK_HOME`` at a copy of them.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    override = os.environ.get("DUK_HOME", "").strip()
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1]
