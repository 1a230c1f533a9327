"""Exercise ids renamed between kit versions (d2lkit/curriculum/renames.toml), so that a
learner's progress follows an exercise the kit renamed: `d2lkit update` re-keys their rows
(`Progress.rename_rows`), and `d2lkit dev check` refuses an entry that points nowhere.

The file is checked against its schema while it is read, as the chapter files are: an unknown key
or a value of the wrong type is a `CatalogueError` naming the file and the key. Reading it never
imports torch.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from d2lkit.catalogue import CURRICULUM, CatalogueError
from d2lkit.compat import tomllib

FILE = "renames.toml"
SCHEMA = 1
ENTRY_KEYS = ("old", "new", "since")
_ID = re.compile(r"ch\d+\.\w+")


def read(path: Path) -> dict[str, str]:
    """old id -> the id it is now (chains followed to their end); {} when the file is missing."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise CatalogueError(path, "toml", str(e)) from None
    for key in data:
        if key not in ("schema", "renamed"):
            raise CatalogueError(path, key, "unknown key")
    if data.get("schema") != SCHEMA:
        raise CatalogueError(path, "schema", f"unsupported version {data.get('schema')!r} "
                                             f"(this d2lkit reads {SCHEMA})")
    entries = data.get("renamed", [])
    if not isinstance(entries, list):
        raise CatalogueError(path, "renamed", f"must be an array of tables, not {entries!r}")
    direct: dict[str, str] = {}
    for i, entry in enumerate(entries):
        where = f"renamed[{i}]"
        if not isinstance(entry, dict):
            raise CatalogueError(path, where, f"must be a table, not {entry!r}")
        for key in entry:
            if key not in ENTRY_KEYS:
                raise CatalogueError(path, f"{where}.{key}", "unknown key")
        for key in ("old", "new"):
            value = entry.get(key)
            if not isinstance(value, str) or not _ID.fullmatch(value):
                raise CatalogueError(path, f"{where}.{key}",
                                     f'must be an exercise id "chN.<name>", not {value!r}')
        if "since" in entry and not isinstance(entry["since"], str):
            raise CatalogueError(path, f"{where}.since",
                                 f"must be a string, not {entry['since']!r}")
        if entry["old"] == entry["new"]:
            raise CatalogueError(path, where, f"renames {entry['old']!r} to itself")
        if entry["old"] in direct:
            raise CatalogueError(path, f"{where}.old", f"{entry['old']!r} is renamed twice")
        direct[entry["old"]] = entry["new"]
    resolved = {}
    for old in direct:
        seen, new = {old}, direct[old]
        while new in direct:
            if new in seen:
                raise CatalogueError(path, "renamed", f"a cycle through {old!r}")
            seen.add(new)
            new = direct[new]
        resolved[old] = new
    return resolved


@cache
def load() -> dict[str, str]:
    """The kit's own rename map, read once per process."""
    return read(CURRICULUM / FILE)


def problems(cat, renames: dict[str, str]) -> list[str]:
    """What `dev check` refuses: a rename to an id the catalogue lacks, or of an id it still has."""
    found = []
    for old, new in renames.items():
        if new not in cat.by_id:
            found.append(f"{old} -> {new}: the new id {new!r} is not in the catalogue")
        if old in cat.by_id:
            found.append(f"{old} -> {new}: the old id {old!r} is still in the catalogue")
    return found
