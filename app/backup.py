"""Portable backups: every table as JSON lines in one gzip file, restorable into an empty,
migrated database of either kind (SQLite or PostgreSQL)."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.sql.schema import Table

from app.models import Base

FORMAT = "duk-backup-1"


def _encode(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((key, raw),) = value.items()
        if key == "$uuid":
            return uuid.UUID(raw)
        if key == "$datetime":
            return datetime.fromisoformat(raw)
        if key == "$date":
            return date.fromisoformat(raw)
        if key == "$bytes":
            return base64.b64decode(raw)
    return value


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of a table that refers to itself (unit.parent_id) with every parent before its
    children. Both databases check a foreign key row by row, and the backup holds the rows in
    whatever order the database returned them (PostgreSQL moves an updated row to the end, so
    a unit whose parent was set after both were made comes out before that parent)."""
    refs = [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table
    ]
    if not refs:
        return rows
    present = {target: {row[target] for row in rows} for _, target in refs}
    placed: dict[str, set[Any]] = {target: set() for _, target in refs}
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        ready = [
            row
            for row in pending
            if all(
                row[column] is None
                or row[column] in placed[target]
                or row[column] not in present[target]
                for column, target in refs
            )
        ]
        if not ready:  # a cycle: insert as is and let the database name the broken key
            return ordered + pending
        for row in ready:
            for _, target in refs:
                placed[target].add(row[target])
        ordered += ready
        taken = {id(row) for row in ready}
        pending = [row for row in pending if id(row) not in taken]
    return ordered


def backup(engine: Engine, path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with engine.connect() as connection, gzip.open(path, "wt", encoding="utf-8") as out:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        out.write(json.dumps({"format": FORMAT, "revision": revision}) + "\n")
        for table in _tables():
            rows = connection.execute(select(table)).mappings()
            n = 0
            for row in rows:
                record = {key: _encode(value) for key, value in row.items()}
                out.write(json.dumps({"table": table.name, "row": record}) + "\n")
                n += 1
            counts[table.name] = n
    return counts


def restore(engine: Engine, path: Path) -> dict[str, int]:
    tables = {t.name: t for t in _tables()}
    counts: dict[str, int] = dict.fromkeys(tables, 0)
    with engine.begin() as connection, gzip.open(path, "rt", encoding="utf-8") as src:
        header = json.loads(src.readline())
        if header.get("format") != FORMAT:
            raise ValueError(f"{path} is not a Duk backup")
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if header.get("revision") != revision:
            raise ValueError(
                f"the backup is of schema {header.get('revision')}, the database is at "
                f"{revision}: run the matching `duk init` first"
            )
        for name, table in tables.items():
            if connection.execute(select(func.count()).select_from(table)).scalar():
                raise ValueError(f"restore needs an empty database; table {name} has rows")
        batch: dict[str, list[dict[str, Any]]] = {}
        order = list(tables)
        for line in src:
            item = json.loads(line)
            row = {key: _decode(value) for key, value in item["row"].items()}
            batch.setdefault(item["table"], []).append(row)
        for name in order:
            rows = _parents_first(tables[name], batch.get(name, []))
            if rows:
                connection.execute(insert(tables[name]), rows)
                counts[name] = len(rows)
        if connection.dialect.name == "postgresql":
            # Move every id sequence past the restored rows: the audit trail's, and also
            # login_attempt's, whose stale sequence made the first sign-in after a restore
            # fail with a duplicate key.
            for table in tables.values():
                column = table.autoincrement_column
                if column is None:
                    continue
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                        f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                    )
                )
    return counts
