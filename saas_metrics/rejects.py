"""Rejected rows that a build must not pass over in silence.

A row the loader rejects is kept in `raw._rejects`, and the warehouse goes on holding what it held
before: nothing for a new row, the earlier delivery for a corrected one. `load` says so and exits 1,
but a build run after it would publish marts that lack those rows without a word. So a build stops
while any load's rejects are pending, that is, not yet accepted, until someone either accepts them
(`load --allow-rejects` accepts its own load's, `build --allow-rejects` every pending one) or they
stay in the working copy and nothing is published.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from saas_metrics.loader import ACCEPTED_REJECTS_TABLE, REJECTS_TABLE

EXAMPLES = 5


class RejectsPending(Exception):
    """Rows rejected by a load that nobody accepted: the build would publish marts without them."""


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    (found,) = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, name]
    ).fetchone()
    return found > 0


def _pending(con: duckdb.DuckDBPyConnection) -> str:
    """The rejects of loads not accepted, as a query."""
    if not _has(con, ACCEPTED_REJECTS_TABLE):
        return f"select * from {REJECTS_TABLE}"
    return f"select * from {REJECTS_TABLE} anti join {ACCEPTED_REJECTS_TABLE} using (load_id)"


def check_rejects(work: Path, accept: bool = False) -> int:
    """Raises RejectsPending when the working copy holds rejects that nobody accepted, naming the
    tables, files, rows and reasons; with accept, records them as accepted instead. Returns the
    number of rows accepted."""
    if not work.exists():
        return 0
    with duckdb.connect(str(work)) as con:
        if not _has(con, REJECTS_TABLE):
            return 0
        pending = _pending(con)
        (rows,) = con.execute(f"select count(*) from ({pending})").fetchone()
        if rows == 0:
            return 0
        if accept:
            con.execute(
                f"create table if not exists {ACCEPTED_REJECTS_TABLE} "
                "(load_id VARCHAR, accepted_at TIMESTAMP, how VARCHAR)"
            )
            con.execute(
                f"insert into {ACCEPTED_REJECTS_TABLE} "
                "select distinct load_id, current_timestamp at time zone 'UTC', 'when built' "
                f"from ({pending})"
            )
            return rows
        per_table = con.execute(
            f"select table_name, count(*), min(loaded_at) from ({pending}) group by table_name order by table_name"
        ).fetchall()
        examples = con.execute(
            f"select table_name, source_file, row_number, line_number, reason from ({pending}) "
            f"order by loaded_at, table_name, source_file, row_number, line_number limit {EXAMPLES}"
        ).fetchall()
    tables = "; ".join(f"{table}: {n}, loaded {first:%Y-%m-%d %H:%M} UTC" for table, n, first in per_table)
    shown = "\n".join(
        f"  {table}, {source_file}, "
        + (f"row {row_number}" if row_number is not None else f"line {line_number}")
        + f": {reason}"
        for table, source_file, row_number, line_number, reason in examples
    )
    raise RejectsPending(
        f"{rows} row(s) rejected by earlier loads are not in the warehouse ({tables}). A rejected row that "
        "corrects an earlier delivery leaves the earlier values in place, so the marts would not show the "
        f"correction. First ones:\n{shown}\nAll of them: raw._rejects in {work}. Load the rows again, corrected, "
        "and then build with --allow-rejects; or build with --allow-rejects to publish without them."
    )
