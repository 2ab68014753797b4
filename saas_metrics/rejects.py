"""Rejected rows that a build must not pass over in silence.

A row the loader rejects is kept in `raw._rejects`, and the warehouse goes on holding what it held
before: nothing for a new row, the earlier delivery for a corrected one. `load` says so and exits 1,
but a build run after it would publish marts that lack those rows without a word. So a build stops
while any rejected row is pending: not accepted (`load --allow-rejects` accepts its own load's,
`build --allow-rejects` every pending one) and not replaced by a later load of a row with the same
primary key (the corrected delivery).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from saas_metrics.contract import Column, load_contract
from saas_metrics.loader import ACCEPTED_REJECTS_TABLE, REJECTS_TABLE, create_accepted_rejects_table, qident, qstr
from saas_metrics.warehouse import has_table

EXAMPLES = 5


class RejectsPending(Exception):
    """Rows rejected by a load that nobody accepted: the build would publish marts without them."""


def _delivered_key(column: Column) -> str:
    """The rejected row's value of a key column, typed as the loader types it (null when it cannot
    be: the row then stays pending). raw_values is the row's JSON, or a malformed line's text."""
    text = (
        "trim(case when json_valid(rejected.raw_values) "
        f"then json_extract_string(rejected.raw_values, {qstr('$.' + column.name)}) end)"
    )
    if column.sql_type == "VARCHAR":
        return text
    if column.sql_type == "TIMESTAMP":
        return f"try_cast(try_cast({text} as timestamptz) as timestamp)"
    return f"try_cast({text} as {column.sql_type})"


def _pending(con: duckdb.DuckDBPyConnection) -> str:
    """The rejects of loads not accepted whose primary key no later load delivered, as a query."""
    accepted = f"anti join {ACCEPTED_REJECTS_TABLE} using (load_id)" if has_table(con, ACCEPTED_REJECTS_TABLE) else ""
    query = f"select rejected.* from {REJECTS_TABLE} as rejected {accepted}"
    # only the tables with rejects not accepted are searched for later deliveries of their keys
    rejected_tables = {name for (name,) in con.execute(f"select distinct table_name from ({query})").fetchall()}
    replaced = []
    for table in load_contract().values():
        if table.name not in rejected_tables or not has_table(con, f"raw.{table.name}"):
            continue
        columns = {c.name: c for c in table.columns}
        same_key = " and ".join(f"stored.{qident(k)} = {_delivered_key(columns[k])}" for k in table.primary_key)
        replaced.append(
            f"(rejected.table_name = {qstr(table.name)} and exists (select 1 from raw.{qident(table.name)} as stored "
            f"where stored._loaded_at > rejected.loaded_at and {same_key}))"
        )
    if replaced:
        query += f" where not coalesce({' or '.join(replaced)}, false)"
    return query


def check_rejects(work: Path, accept: bool = False) -> int:
    """Raises RejectsPending when the working copy holds pending rejects (not accepted, not replaced
    by a later delivery of their key), naming the tables, files, rows and reasons; with accept,
    records their loads as accepted instead. Returns the number of rows accepted."""
    if not work.exists():
        return 0
    with duckdb.connect(str(work)) as con:
        con.execute("set TimeZone = 'UTC'")  # delivered timestamps without an offset are UTC, as loaded
        if not has_table(con, REJECTS_TABLE):
            return 0
        pending = _pending(con)
        (rows,) = con.execute(f"select count(*) from ({pending})").fetchone()
        if rows == 0:
            return 0
        if accept:
            create_accepted_rejects_table(con)
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
        f"correction. First ones:\n{shown}\nAll of them: raw._rejects in {work}. Load them again, corrected (a "
        "later row with the same primary key replaces a rejected one), or build with --allow-rejects to publish "
        "without them."
    )
