"""The README's map of the code is the tree as it is: a reader who looks a room up there finds
it in app/, and every room in app/ has its line."""

from __future__ import annotations

import re

from app.paths import project_root

ROOT = project_root()


def _map_entries() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Map of the code", 1)[1].split("```", 2)[1]
    app_part = block.split("\napp/\n", 1)[1].split("\nstatic/", 1)[0]
    return re.findall(r"^  ([a-z_]+/|[a-z_]+\.py)", app_part, flags=re.MULTILINE)


def test_every_folder_of_app_has_one_line_in_the_map_and_no_line_names_a_missing_one() -> None:
    folders = {
        f"{path.name}/"
        for path in (ROOT / "app").iterdir()
        if path.is_dir() and not path.name.startswith("__")
    }
    entries = _map_entries()
    listed = [e for e in entries if e.endswith("/")]

    assert sorted(listed) == sorted(folders)
    assert len(listed) == len(set(listed))  # one line a room


def test_every_file_the_map_names_exists() -> None:
    for entry in _map_entries():
        if entry.endswith(".py"):
            assert (ROOT / "app" / entry).is_file(), entry
