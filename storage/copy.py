"""Copy a whole deployment between databases (SQLite → PostgreSQL, and back)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, func, select, text
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)
from storage.db import snapshot_connection

CHUNK = 5_000


class CopyError(Exception):
    """The copy could not be made; the target was left as it was."""


def copy_database(
    source: Engine, target: Engine, *, progress: Callable[[str, int], None] | None = None
) -> dict[str, tuple[int, int]]:
    """Copy every table, parents first, in one transaction on the target.

    The target must already be at the newest schema and hold no data. Returns, per table, the
    row counts of source and target after the copy; any difference rolls everything back.
    """
    tables = SQLModel.metadata.sorted_tables
    counts: dict[str, tuple[int, int]] = {}
    # The source may be a live bot's database: read it as one snapshot that never takes the
    # write lock, so the bot keeps recording while the copy runs.
    with snapshot_connection(source) as reader, target.begin() as writer:
        for table in tables:
            if writer.execute(select(func.count()).select_from(table)).scalar_one():
                raise CopyError(
                    f"the target already has rows in {table.name}: copy into an empty database"
                )
        for table in tables:
            order = [column for column in table.primary_key.columns]
            rows = reader.execution_options(yield_per=CHUNK).execute(
                select(table).order_by(*order)
            )
            copied = 0
            for chunk in rows.partitions(CHUNK):
                writer.execute(table.insert(), [dict(row._mapping) for row in chunk])
                copied += len(chunk)
            if progress is not None:
                progress(table.name, copied)
            source_count = reader.execute(select(func.count()).select_from(table)).scalar_one()
            target_count = writer.execute(select(func.count()).select_from(table)).scalar_one()
            counts[table.name] = (int(source_count), int(target_count))
            if source_count != target_count:
                raise CopyError(
                    f"{table.name}: {source_count} rows in the source, {target_count} copied"
                )
        if target.dialect.name == "postgresql":
            # Rows came with their ids: move each id sequence past the highest one (setval is
            # strict, so a table whose id has no sequence is simply left alone).
            for table in tables:
                if "id" in table.columns:
                    writer.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
    return counts
