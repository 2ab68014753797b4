"""Lands contract files (CSV or Parquet) into the warehouse's `raw` schema, losing nothing.

Every row read ends up either in `raw.<table>` or in `raw._rejects` with its reason, so
rows read = rows loaded + rows rejected for every table and every load.
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from saas_metrics.contract import Column, Table, currency_exponents, load_contract

REJECTS_TABLE = "raw._rejects"
LOAD_LOG_TABLE = "raw._load_log"
# The earlier version of every row a later delivery replaced (as JSON), so an incremental build can
# reprocess the months the old row counted in as well as the months of the new one.
REPLACED_TABLE = "raw._replaced_rows"
# The loads whose rejected rows someone accepted (`load --allow-rejects`, `build --allow-rejects`): a
# build stops on rejects of any other load (saas_metrics.rejects).
ACCEPTED_REJECTS_TABLE = "raw._accepted_rejects"

# Value rules of the contract, by column name: (SQL predicate on the typed value, what it must be).
VALUE_RULES: dict[str, tuple[str, str]] = {
    "billing_interval": ("{v} in ('day', 'week', 'month', 'year')", "one of day|week|month|year"),
    "interval_count": ("{v} >= 1", ">= 1"),
    "quantity": ("{v} >= 0", ">= 0"),
    "discount_percent": ("{v} between 0 and 100", "within 0..100"),
    "usd_per_unit": ("{v} > 0", "> 0"),
    "spend": ("{v} >= 0", ">= 0"),
    "score": ("{v} between 0 and 10", "within 0..10"),
}
LOWERCASE_COLUMNS = {"billing_interval"}
# a four-digit year from 0001 (year 0000 does not exist in the calendar the contract uses)
ISO_DATE = "(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-[0-9]{2}-[0-9]{2}"
# after the date, optionally a time (hours and minutes, seconds, a fraction) and then UTC as Z or
# " UTC", or an offset of at most 19 hours (after a space too, as Snowflake and Ruby write it); zone
# names and abbreviations (BST, CST, Europe/Paris) are not ISO 8601 and several name more than one zone
ISO_TIMESTAMP = (
    ISO_DATE + "([T ][0-9]{2}:[0-5][0-9](:[0-6][0-9](\\.[0-9]+)?)?(Z| UTC| ?[+-][01][0-9](:?[0-5][0-9])?)?)?"
)
# a decimal number, optionally with an exponent: no digit-group separators ('1_000.5', which DuckDB
# would read, is rejected as '1_000' is in integer columns)
DECIMAL_NUMBER = "[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?"
# what is trimmed from around a delivered value: spaces and the other Unicode space characters (the
# no-break space), tabs, line feeds and carriage returns, in any order (trim() alone takes only the
# spaces, so a value holding a tab or a line break is trimmed by this pattern)
BLANKS = "'^[\\s\\p{Z}]+|[\\s\\p{Z}]+$'"
# what SQL exports write for a missing value (in any case): read as missing, never as the text
NULL_MARKERS = ("null", "\\n")
TRUE_WORDS = ("true", "t", "1", "yes")
FALSE_WORDS = ("false", "f", "0", "no")


class LoadError(Exception):
    """Input that stops a load: nothing of this load is written."""


@dataclass
class TableLoadResult:
    table: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_changed: int = 0
    # per file: header columns the contract does not have (ignored), and optional contract columns the
    # file does not have (loaded as null, so a re-delivered row loses its stored value)
    notes: list[str] = field(default_factory=list)


def qident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qstr(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _skipped(relative: Path) -> bool:
    """Hidden files and folders, and those starting with an underscore (a job's _SUCCESS marker or
    _temporary folder, a generator's manifest), are not deliveries."""
    return any(part.startswith((".", "_")) for part in relative.parts)


def find_files(source_dir: Path, table: str) -> list[Path]:
    """The files that deliver one table: <table>.csv, <table>.parquet or a folder <table>/ of parts."""
    found = [p for p in (source_dir / f"{table}.csv", source_dir / f"{table}.parquet") if p.is_file()]
    folder = source_dir / table
    if folder.is_dir():
        found += sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and p.suffix.lower() in (".csv", ".parquet") and not _skipped(p.relative_to(folder))
        )
    return found


def unrecognised_files(source_dir: Path, delivered: set[Path]) -> list[str]:
    """The files of a load folder that are not among `delivered` (the files find_files gives to the
    contract tables), as relative paths."""
    return [
        path.relative_to(source_dir).as_posix()
        for path in sorted(source_dir.rglob("*"))
        if path.is_file() and not _skipped(path.relative_to(source_dir)) and path not in delivered
    ]


CSV_DELIMITERS = ",;\t|"


def csv_header(path: Path) -> tuple[list[str], str]:
    """The header row of a CSV file and its delimiter (comma, semicolon, tab or pipe)."""
    with path.open("rb") as handle:
        raw = handle.readline()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError(
            f"{path}: the file is UTF-16 encoded (it starts with a UTF-16 byte order mark); save it as UTF-8"
        )
    first = raw.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    # The reader takes the header to be the file's first record: a quote left open in the first line
    # would make it run on over the data lines, which would then be lost without a trace.
    if first.count('"') % 2:
        raise LoadError(f"{path}: the CSV header (the first line) has a quote that is not closed: {first}")
    try:
        names = next(csv.reader([first], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise LoadError(
            f"{path}: cannot read the CSV header ({exc}); lines must end with a line feed (\\n or \\r\\n)"
        ) from exc
    # a trailing delimiter (or an empty name) makes a column without a name: it is kept under a
    # placeholder name, so that the file can be read, and ignored like any column not in the contract
    return [name if name.strip() else f"(unnamed column {i + 1})" for i, name in enumerate(names)], delimiter


def parquet_schema(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    """{column name: DuckDB type} of a Parquet file, in file order."""
    return {row[0]: row[1] for row in con.execute(f"describe select * from {_parquet_scan(path)}").fetchall()}


def _parquet_top_level_names(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The names of a Parquet file's columns as the file writes them, repeated names included; the
    fields inside a list or struct column (list, element, a struct's fields) are not columns."""
    nodes = con.execute(f"select name, coalesce(num_children, 0) from parquet_schema({qstr(str(path))})").fetchall()

    def after_subtree(index: int) -> int:
        children, index = nodes[index][1], index + 1
        for _ in range(children):
            index = after_subtree(index)
        return index

    names, index = [], 1  # nodes[0] is the file's root
    while index < len(nodes):
        names.append(nodes[index][0])
        index = after_subtree(index)
    return names


def _parquet_scan(path: Path, row_numbers: bool = False) -> str:
    """read_parquet of a file; byte-array columns are read as UTF-8 text, as Spark, Hive and Impala
    write strings without marking them as such (a value that is not UTF-8 stops the load)."""
    extra = ", file_row_number = true" if row_numbers else ""
    return f"read_parquet({qstr(str(path))}, binary_as_string = true{extra})"


@dataclass(frozen=True)
class Delivery:
    """One file of a table's delivery, its header read once when the load is planned."""

    path: Path
    label: str  # the path relative to the load folder, as raw tables and rejects record it
    columns: list[str]  # the file's column names, in file order (none for an empty file)
    parquet_types: dict[str, str] | None  # Parquet: {file column: DuckDB type}; CSV: None
    delimiter: str  # a CSV file's delimiter
    mapping: dict[str, str] | None  # contract column -> file column; None for an empty file

    @property
    def is_parquet(self) -> bool:
        return self.parquet_types is not None


def _reader(delivery: Delivery) -> str:
    if delivery.is_parquet:
        return _parquet_scan(delivery.path, row_numbers=True)
    path = qstr(str(delivery.path))
    # The header comes from the file's first line, so a ragged or broken data line cannot change
    # how the file is read: it is rejected on its own.
    columns = "{" + ", ".join(f"{qstr(name)}: 'VARCHAR'" for name in delivery.columns) + "}"
    return (
        f"read_csv({path}, auto_detect = false, header = true, delim = {qstr(delivery.delimiter)}, quote = '\"', "
        f"escape = '\"', columns = {columns}, store_rejects = true, "
        "rejects_table = '_csv_reject_errors', rejects_scan = '_csv_reject_scans')"
    )


def _normalise(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def _distinct_names(header: list[str]) -> list[str]:
    """A CSV header whose repeated names (in any case or spacing) after the first get their position
    (`notes (column 5)`), so that the reader, which needs distinct names, can read the file."""
    taken = {_normalise(name) for name in header}
    seen: set[str] = set()
    names = []
    for position, name in enumerate(header, start=1):
        if _normalise(name) in seen:
            name = f"{name.strip()} (column {position})"
            while _normalise(name) in taken:
                name += "'"
            taken.add(_normalise(name))
        seen.add(_normalise(name))
        names.append(name)
    return names


def plan_delivery(con: duckdb.DuckDBPyConnection, table: Table, path: Path, label: str) -> Delivery:
    """Reads a file's header and maps contract columns to its names; raises on a missing required
    column or on a text column stored as fractional numbers.

    A file with no header at all (an empty file) delivers no rows: its mapping is None.
    """
    is_parquet = path.suffix.lower() == ".parquet"
    if path.stat().st_size == 0:
        if is_parquet:
            # a Parquet file always holds its schema: an empty one is a write that did not finish
            raise LoadError(f"{path}: the file is empty, which no Parquet file is (an interrupted write?)")
        return Delivery(path, label, [], {} if is_parquet else None, ",", None)
    delimiter, types = ",", None
    try:
        if is_parquet:
            types = parquet_schema(con, path)
            header = list(types)
        else:
            header, delimiter = csv_header(path)
    except duckdb.Error as exc:
        raise LoadError(f"{path}: cannot read as a {path.suffix[1:]} file for table {table.name}: {exc}") from exc
    # DuckDB renames a repeated Parquet column (customer_id_1): the file's own names tell
    physical = _parquet_top_level_names(con, path) if is_parquet else header
    seen: dict[str, list[str]] = {}
    for original in physical:
        seen.setdefault(_normalise(original), []).append(original)
    # a contract column named twice leaves which value to load to a guess; a repeated column the
    # contract does not name is ignored like any other such column
    contract = set(table.column_names)
    repeated = [names for normalised, names in seen.items() if len(names) > 1 and normalised in contract]
    if repeated:
        raise LoadError(
            f"{path}: table {table.name} has column(s) that appear more than once in the file header, so which "
            f"one to load is ambiguous: {'; '.join(', '.join(repr(n) for n in names) for names in repeated)}"
        )
    if not is_parquet:
        header = _distinct_names(header)
    by_name = {_normalise(original): original for original in header}
    missing = [c for c in table.required_columns if c not in by_name]
    if missing:
        raise LoadError(
            f"{path}: table {table.name} is missing required column(s) {', '.join(missing)} "
            f"(file header: {', '.join(header)})"
        )
    mapping = {c: by_name[c] for c in table.column_names if c in by_name}
    if types is not None:
        stored = {col.name: types[mapping[col.name]] for col in table.columns if col.name in mapping}
        # a text column (an id, a name, a code) stored as floating-point numbers would load as '7.0' or
        # '1e+16', or lose digits: ids that match nothing
        floats = [
            f"{col.name} ({stored[col.name]})"
            for col in table.columns
            if col.name in stored
            and col.type == "varchar"
            and stored[col.name].startswith(("FLOAT", "DOUBLE", "DECIMAL"))
            # a decimal of scale 0 (as Oracle and Snowflake export an integer id) has no fraction
            and not stored[col.name].replace(" ", "").endswith(",0)")
        ]
        # a list, a struct or bytes would load as their printed form ('[a@x.io]', '\\x00\\x01')
        unreadable = [
            f"{name} ({kind})"
            for name, kind in stored.items()
            if kind in ("BLOB", "BIT") or kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION"))
        ]
        if unreadable:
            raise LoadError(
                f"{path}: table {table.name} has column(s) stored as bytes, lists or structs, not single "
                f"values: {', '.join(unreadable)}; write each as a string, number, boolean, date or timestamp"
            )
        if floats:
            raise LoadError(
                f"{path}: table {table.name} has text column(s) stored as numbers with a fraction: "
                f"{', '.join(floats)}; write them as strings or integers"
            )
    return Delivery(path, label, header, types, delimiter, mapping)


def _text(value: str) -> str:
    """A delivered text value without the blanks around it (spaces and other Unicode space characters,
    tabs, line breaks); null when blank or a null marker (NULL_MARKERS)."""
    # trim() takes the spaces alone, cheaply; only values holding a tab or a line break pay for the
    # pattern (BLANKS); only values as short as a marker are lower-cased and compared
    trimmed = (
        f"(case when contains({value}, chr(9)) or contains({value}, chr(10)) or contains({value}, chr(13)) "
        f"then regexp_replace({value}, {BLANKS}, '', 'g') else trim({value}) end)"
    )
    markers = ("", *NULL_MARKERS)
    lengths = ", ".join(str(n) for n in sorted({len(m) for m in markers}))
    listed = ", ".join(qstr(m) for m in markers)
    is_marker = f"length({trimmed}) in ({lengths}) and lower({trimmed}) in ({listed})"
    return f"(case when {is_marker} then null else {trimmed} end)"


def _text_column(col: Column) -> str:
    """The name under which a column's normalised text (_text) is computed once, before typing."""
    return qident("_text_" + col.name)


def _typed_expr(col: Column, text: str) -> str:
    """The contract value of a column delivered as text; `text` is its normalised text (_text)."""
    if col.type == "varchar":
        value = text
        if col.name == "currency":
            value = f"upper({text})"
        elif col.name in LOWERCASE_COLUMNS:
            value = f"lower({text})"
        return value
    if col.type in ("bigint", "integer"):
        return (
            f"case when regexp_full_match({text}, '[+-]?[0-9]+(\\.0*)?') "
            f"then try_cast(split_part({text}, '.', 1) as {col.sql_type}) end"
        )
    if col.type == "double":
        return (
            f"case when regexp_full_match({text}, '{DECIMAL_NUMBER}') and isfinite(try_cast({text} as double)) "
            f"then try_cast({text} as double) end"
        )
    if col.type == "boolean":
        words_true = ", ".join(qstr(w) for w in TRUE_WORDS)
        words_false = ", ".join(qstr(w) for w in FALSE_WORDS)
        return (
            f"case when lower({text}) in ({words_true}) then true when lower({text}) in ({words_false}) then false end"
        )
    # ISO 8601 only: a four-digit year, month and day, then optionally a time (and an offset or zone).
    # DuckDB alone would also read 'epoch', 'infinity', two-digit and five-digit or negative years.
    iso = f"regexp_full_match({text}, '{ISO_TIMESTAMP}')"
    # DuckDB reads an offset only right after the time: the space before one is taken out (in a value
    # that matched the pattern, ' +' and ' -' can only come before an offset)
    offset_joined = f"replace(replace({text}, ' +', '+'), ' -', '-')"
    ts = f"case when {iso} then timezone('UTC', try_cast({offset_joined} as timestamptz)) end"
    if col.type == "timestamp":
        return ts
    if col.type == "date":
        # a calendar date, or an instant at midnight UTC: a time of day (or an offset that moves the
        # instant off midnight UTC) would put the row on a day the file did not name
        return (
            f"case when regexp_full_match({text}, '{ISO_DATE}') then try_cast({text} as date) "
            f"when ({ts})::time = time '00:00:00' then ({ts})::date end"
        )
    raise ValueError(col.type)


# Parquet column types (as DuckDB names them) read as they are, without a round trip through text.
_INTEGER_TYPES = {"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT", "HUGEINT"}
TYPED_SOURCES: dict[str, set[str]] = {
    "varchar": {"VARCHAR"},
    "bigint": _INTEGER_TYPES,
    "integer": _INTEGER_TYPES,
    "double": {"DOUBLE", "FLOAT"} | _INTEGER_TYPES,
    "boolean": {"BOOLEAN"},
    "timestamp": {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"},
    "date": {"DATE"},
}


def _source_typed_expr(col: Column, src: str, src_type: str) -> str:
    """The contract value of a Parquet column whose type already fits (see TYPED_SOURCES).

    The same value the text path gives for the same delivery: strings trimmed, empty as null,
    currency upper- and billing interval lower-cased; integers out of the contract type's range,
    NaN and infinite doubles are null (and so rejected); zoned timestamps converted to UTC. For a
    text column, `src` is its normalised text (_text).
    """
    if col.type == "varchar":
        text = src
        if col.name == "currency":
            return f"upper({text})"
        return f"lower({text})" if col.name in LOWERCASE_COLUMNS else text
    if col.type in ("bigint", "integer"):
        return f"try_cast({src} as {col.sql_type})"
    if col.type == "double":
        return f"case when isfinite(cast({src} as double)) then cast({src} as double) end"
    if col.type == "timestamp" and src_type == "TIMESTAMP_NS":
        # DuckDB rounds nanoseconds to the nearest microsecond, so 23:59:59.9999996 on the last day of a
        # month would move to the next month; text is truncated, and so is this (toward the past, also
        # before 1970)
        ns = f"epoch_ns({src})"
        return (
            f"case when isfinite({src}) and year({src}) >= 1 "
            f"then make_timestamp(({ns} - (({ns} % 1000) + 1000) % 1000) // 1000) end"
        )
    if col.type == "timestamp" and src_type == "TIMESTAMP WITH TIME ZONE":
        return f"case when isfinite({src}) and year(timezone('UTC', {src})) >= 1 then timezone('UTC', {src}) end"
    if col.type in ("timestamp", "date"):
        # infinity and -infinity are not instants or days, nor is a year before 1 (null, so the row
        # is rejected)
        return f"case when isfinite({src}) and year({src}) >= 1 then cast({src} as {col.sql_type}) end"
    return f"cast({src} as {col.sql_type})"


def _present(value: str) -> str:
    """Whether a row delivered a value: for text, `value` is the normalised text (_text)."""
    return f"{value} is not null"


def _reason_exprs(
    table: Table, currencies: str, raw_of: Callable[[Column], str], present_of: Callable[[Column], str]
) -> list[str]:
    """SQL expressions, one per rule, each the rejection reason of a row or null.

    raw_of gives a column's delivered value as text (quoted in a reason), present_of whether the
    row delivered a value for it.
    """
    reasons = []
    for col in table.columns:
        raw, typed, present = raw_of(col), qident(col.name), present_of(col)
        label = f"column {col.name}"
        reasons.append(
            f"case when {present} and {typed} is null then '{label}: cannot parse ' || {raw} || ' as {col.type}' end"
        )
        if not col.nullable:
            reasons.append(f"case when not ({present}) then '{label}: null in a non-null column' end")
        if col.name in VALUE_RULES:
            predicate, wanted = VALUE_RULES[col.name]
            reasons.append(
                f"case when {typed} is not null and not ({predicate.format(v=typed)}) then "
                f"'{label}: ' || {typed}::varchar || ' is not {wanted}' end"
            )
        if col.name == "currency":
            reasons.append(
                f"case when {typed} is not null and {typed} not in ({currencies}) then "
                f"'{label}: ' || {typed} || ' is not an ISO 4217 currency code' end"
            )
    return reasons


def joined_reasons(reasons: str) -> str:
    """One text of every non-null reason, '; '-separated, or null when the row broke no rule."""
    return f"nullif(array_to_string(list_filter([{reasons}], lambda r: r is not null), '; '), '')"


def _find_duplicate_keys(con: duckdb.DuckDBPyConnection, table: Table, rows: str) -> None:
    """The temp table _duplicate_keys: every primary key that occurs more than once in `rows`."""
    keys = ", ".join(qident(k) for k in table.primary_key)
    present = " and ".join(f"{qident(k)} is not null" for k in table.primary_key)
    con.execute(
        f"create or replace temp table _duplicate_keys as select {keys} from {rows} "
        f"where {present} group by {keys} having count(*) > 1"
    )


def _mark_duplicate_keys(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Adds the duplicate-key reason to every row of _checked whose primary key repeats in this delivery."""
    pk = table.primary_key
    _find_duplicate_keys(con, table, "_checked")
    (duplicates,) = con.execute("select count(*) from _duplicate_keys").fetchone()
    if duplicates:
        match = " and ".join(f"_checked.{qident(k)} = _duplicate_keys.{qident(k)}" for k in pk)
        reason = _duplicate_key_reason(table, "_checked")
        con.execute(
            f"update _checked set _reasons = coalesce(_reasons || '; ', '') || {reason} "
            f"from _duplicate_keys where {match}"
        )
    con.execute("drop table _duplicate_keys")


def create_accepted_rejects_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"create table if not exists {ACCEPTED_REJECTS_TABLE} (load_id VARCHAR, accepted_at TIMESTAMP, how VARCHAR)"
    )


def ensure_raw_schema(con: duckdb.DuckDBPyConnection, tables: dict[str, Table]) -> None:
    con.execute("create schema if not exists raw")
    for table in tables.values():
        cols = ", ".join(f"{qident(c.name)} {c.sql_type}" for c in table.columns)
        con.execute(
            f"create table if not exists raw.{qident(table.name)} ({cols}, _loaded_at TIMESTAMP, _source_file VARCHAR)"
        )
    con.execute(
        f"create table if not exists {REJECTS_TABLE} (load_id VARCHAR, loaded_at TIMESTAMP, "
        "table_name VARCHAR, source_file VARCHAR, row_number BIGINT, line_number BIGINT, "
        "reason VARCHAR, raw_values VARCHAR)"
    )
    con.execute(
        f"create table if not exists {LOAD_LOG_TABLE} (load_id VARCHAR, loaded_at TIMESTAMP, "
        "table_name VARCHAR, files VARCHAR, rows_read BIGINT, rows_loaded BIGINT, "
        "rows_rejected BIGINT, rows_changed BIGINT)"
    )
    create_accepted_rejects_table(con)
    con.execute(
        f"create table if not exists {REPLACED_TABLE} (load_id VARCHAR, loaded_at TIMESTAMP, "
        "table_name VARCHAR, row_values VARCHAR)"
    )


def _stage_file(con: duckdb.DuckDBPyConnection, table: Table, delivery: Delivery) -> None:
    """Appends one file's rows, as text, to the temp table _incoming; CSV-level errors go to _bad_lines."""
    mapping, path = delivery.mapping, delivery.path
    cols = []
    for col in table.columns:
        source = f"{qident(mapping[col.name])}::varchar" if col.name in mapping else "null::varchar"
        cols.append(f"{source} as {qident('_raw_' + col.name)}")
    row_number = "file_row_number + 1" if delivery.is_parquet else "row_number() over ()"
    try:
        con.execute(
            f"insert into _incoming select {qstr(delivery.label)}, {row_number}, {', '.join(cols)} "
            f"from {_reader(delivery)}"
        )
    except duckdb.Error as exc:
        line = None if delivery.is_parquet else _line_with_bare_carriage_return(path)
        if line is not None:
            raise LoadError(
                f"{path}: table {table.name}: line {line} holds a carriage return that does not end the line "
                "(outside quotes a value cannot hold one); quote that value or remove the character"
            ) from exc
        raise LoadError(f"{path}: cannot read as a {path.suffix[1:]} file for table {table.name}: {exc}") from exc
    if not delivery.is_parquet:
        records = sorted(line for (line,) in con.execute("select distinct line from _csv_reject_errors").fetchall())
        line_of = _renumber_after_malformed(con, delivery, records) if records else "line"
        con.execute(
            f"""
            insert into _bad_lines
            select {qstr(delivery.label)}, {line_of},
                   'malformed CSV line: ' || string_agg(distinct error_type || ' (' || error_message || ')', '; '),
                   any_value(csv_line)
            from _csv_reject_errors
            group by line
            """
        )
        con.execute("drop table if exists _csv_reject_errors")
        con.execute("drop table if exists _csv_reject_scans")


def _renumber_after_malformed(con: duckdb.DuckDBPyConnection, delivery: Delivery, records: list[int]) -> str:
    """Gives the rows of a CSV file with malformed records (DuckDB's record numbers, sorted) their data
    row numbers in _incoming, and returns the SQL for the line of the file each malformed record starts
    on (in terms of DuckDB's `line`).

    DuckDB numbers the rows it accepts among themselves and a malformed record by counting records (the
    header and blank lines included, a quoted value spanning lines as one); the file is read again here,
    with the same dialect, to place every record. When the two readings do not agree on the records (a
    field longer than Python's limit, a NUL byte), the rows keep their numbers among the rows read and a
    malformed line its record number.
    """
    placed = _place_records(delivery, records)
    if placed is None:
        return "line"
    malformed_rows, lines, data_rows = placed
    label = qstr(delivery.label)
    (staged,) = con.execute(f"select count(*) from _incoming where _source_file = {label}").fetchone()
    if data_rows - len(malformed_rows) != staged:
        return "line"
    # a row read at ordinal o is past the j-th malformed row (0-based) when o >= its data row - j
    thresholds = ", ".join(str(row - j) for j, row in enumerate(malformed_rows))
    passed = f"len(list_filter([{thresholds}], lambda t: t <= _row_number))"
    con.execute(f"update _incoming set _row_number = _row_number + {passed} where _source_file = {label}")
    return "case line " + " ".join(f"when {k} then {lines[k]}" for k in records) + " end"


def _place_records(delivery: Delivery, records: list[int]) -> tuple[list[int], dict[int, int], int] | None:
    """The data row numbers of a CSV file's malformed records (given as DuckDB's record numbers, sorted),
    the line each starts on, and the number of data rows; None when a malformed record is not a data
    row in this reading, or the file cannot be read this way."""
    malformed = set(records)
    rows, lines = {}, {}
    record, row, line = 0, 0, 1  # records counted from the header, data rows without it and blank lines
    with delivery.path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=delivery.delimiter, quotechar='"', doublequote=True)
        try:
            for fields in reader:
                record += 1
                if record > 1 and fields != []:
                    row += 1
                    if record in malformed:
                        rows[record], lines[record] = row, line
                line = reader.line_num + 1
        except csv.Error:
            return None
    if len(rows) != len(malformed):
        return None
    return [rows[k] for k in records], lines, row


def _line_with_bare_carriage_return(path: Path) -> int | None:
    """The number of the first line of a CSV file holding a carriage return other than the one before
    its line feed, which DuckDB's reader cannot place (it stops without a line number); None if none.
    Quotes are not followed: it is read only to name the line after the reader has failed."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if b"\r" in line.rstrip(b"\n").removesuffix(b"\r"):
                return number
    return None


def typed_parquet_columns(table: Table, delivery: Delivery) -> dict[str, str] | None:
    """{contract column: Parquet type} when every column the file delivers already has a type that fits
    the contract (TYPED_SOURCES), so the file can be read without a round trip through text; else None."""
    if not delivery.is_parquet:
        return None
    mapping = delivery.mapping
    types = {}
    for col in table.columns:
        if col.name in mapping:
            source_type = delivery.parquet_types[mapping[col.name]]
            fits = source_type in TYPED_SOURCES[col.type] or (
                col.type == "double" and source_type.startswith("DECIMAL")
            )
            if not fits:
                return None
            types[col.name] = source_type
    return types


def _typed_select(table: Table, delivery: Delivery, types: dict[str, str], currencies: str) -> str:
    """A typed Parquet file's rows as the loader checks them: _source_file, _row_number, the contract
    columns, _reasons (null for a valid row) and _raw_values (the delivered values as JSON text, for
    the rejected rows)."""
    names = ", ".join(qident(c) for c in table.column_names)
    mapping = delivery.mapping

    def src(col: Column) -> str:
        return qident("_src_" + col.name)

    sources = ", ".join(
        f"{qident(mapping[c.name]) if c.name in mapping else 'null'} as {src(c)}" for c in table.columns
    )
    # text columns are normalised once, then typed and checked from that
    texts = [c for c in table.columns if c.name in mapping and c.type == "varchar"]
    normalised = "".join(f", {_text(src(c))} as {_text_column(c)}" for c in texts)

    text_names = {c.name for c in texts}

    def value(col: Column) -> str:
        return _text_column(col) if col.name in text_names else src(col)

    typed = ", ".join(
        f"{_source_typed_expr(c, value(c), types[c.name]) if c.name in mapping else 'null'} as {qident(c.name)}"
        for c in table.columns
    )
    reasons = ", ".join(
        _reason_exprs(table, currencies, lambda c: f"cast({src(c)} as varchar)", lambda c: _present(value(c)))
    )
    delivered = ", ".join(
        f"{qident(c.name)} := cast({src(c)} as varchar)" if c.name in mapping else f"{qident(c.name)} := null::varchar"
        for c in table.columns
    )
    return f"""
        with delivered as (
            select file_row_number + 1 as _row_number, {sources} from {_reader(delivery)}
        ),
        texts as (
            select *{normalised} from delivered
        ),
        typed as (
            select *, {typed} from texts
        )
        select {qstr(delivery.label)} as _source_file, _row_number, {names}, {joined_reasons(reasons)} as _reasons,
               to_json(struct_pack({delivered}))::varchar as _raw_values
        from typed
    """


def _insert_new_rejects(
    con: duckdb.DuckDBPyConnection, table: Table, load_id: str, loaded_at: datetime, rejected: str
) -> None:
    """Adds to raw._rejects the rows of `rejected` (source_file, row_number, line_number, reason,
    raw_values) that an earlier load of the same file has not recorded already."""
    con.execute(
        f"""
        insert into {REJECTS_TABLE}
        select {qstr(load_id)}, ?::timestamp, {qstr(table.name)}, new_rejects.*
        from ({rejected}) as new_rejects (source_file, row_number, line_number, reason, raw_values)
        where not exists (
            select 1 from {REJECTS_TABLE} as old
            where old.table_name = {qstr(table.name)}
              and old.source_file = new_rejects.source_file
              and old.row_number is not distinct from new_rejects.row_number
              and old.line_number is not distinct from new_rejects.line_number
              and old.raw_values is not distinct from new_rejects.raw_values
        )
        """,
        [loaded_at],
    )


def _duplicate_key_reason(table: Table, alias: str) -> str:
    pk = table.primary_key
    parts = " || ', ' || ".join(f"{alias}.{qident(k)}::varchar" for k in pk)
    return f"'primary key ({', '.join(pk)}) = (' || {parts} || ') repeated within this delivery'"


def _load_first_typed_delivery(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    files: list[tuple[Delivery, dict[str, str]]],
    load_id: str,
    loaded_at: datetime,
    result: TableLoadResult,
    currencies: str,
) -> None:
    """A table's first delivery, all typed Parquet: rows stream from the files into the raw table
    and into raw._rejects, checked by the same rules as any load, without holding a copy of them.

    The files are read three times (keys repeated within the delivery, valid rows, rejected rows)
    instead of being staged: the largest tables' first load would otherwise need tens of GB of
    temporary space.
    """
    checked = " union all ".join(f"({_typed_select(table, delivery, types, currencies)})" for delivery, types in files)
    pk = table.primary_key
    match = " and ".join(f"c.{qident(k)} = d.{qident(k)}" for k in pk)
    flagged = (
        f"select c.* replace (case when d.{qident(pk[0])} is null then c._reasons "
        f"else coalesce(c._reasons || '; ', '') || {_duplicate_key_reason(table, 'c')} end as _reasons) "
        f"from ({checked}) as c left join _duplicate_keys as d on {match}"
    )
    names = ", ".join(qident(c) for c in table.column_names)
    try:
        _find_duplicate_keys(con, table, f"({checked}) as c")
        (loaded,) = con.execute(
            f"insert into raw.{qident(table.name)} select {names}, ?::timestamp, _source_file "
            f"from ({flagged}) as f where _reasons is null",
            [loaded_at],
        ).fetchone()
        _insert_new_rejects(
            con,
            table,
            load_id,
            loaded_at,
            f"select _source_file, _row_number, null::bigint, _reasons, _raw_values from ({flagged}) as f "
            "where _reasons is not null",
        )
        paths = ", ".join(qstr(str(delivery.path)) for delivery, _ in files)
        (read,) = con.execute(f"select coalesce(sum(num_rows), 0) from parquet_file_metadata([{paths}])").fetchone()
    except duckdb.Error as exc:
        raise LoadError(f"{table.name}: cannot read its parquet files {', '.join(result.files)}: {exc}") from exc
    con.execute("drop table _duplicate_keys")
    result.rows_read, result.rows_loaded = read, loaded
    result.rows_rejected = read - loaded
    result.rows_changed = loaded


def column_notes(table: Table, delivery: Delivery) -> list[str]:
    """What a file's header leaves out of the load: columns the contract does not have, and optional
    contract columns the file does not deliver."""
    notes = []
    ignored = [name for name in delivery.columns if _normalise(name) not in table.column_names]
    if ignored:
        notes.append(f"{delivery.label}: column(s) not in the contract, ignored: {', '.join(ignored)}")
    absent = [name for name in table.column_names if name not in delivery.mapping]
    if absent:
        notes.append(f"{delivery.label}: optional column(s) not in the file, loaded as null: {', '.join(absent)}")
    return notes


def load_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    files: list[Delivery],
    load_id: str,
    loaded_at: datetime,
) -> TableLoadResult:
    """Loads one table's files: typed Parquet columns are read as they are, anything else as text
    typed by the contract; every row is checked against the same rules either way."""
    result = TableLoadResult(table=table.name, files=[delivery.label for delivery in files])
    delivered = [delivery for delivery in files if delivery.mapping is not None]
    for delivery in delivered:
        result.notes += column_notes(table, delivery)
    currencies = ", ".join(qstr(c) for c in sorted(currency_exponents()))
    target = f"raw.{qident(table.name)}"
    typed_files = [(delivery, typed_parquet_columns(table, delivery)) for delivery in delivered]
    (stored_rows,) = con.execute(f"select count(*) from {target}").fetchone()
    if typed_files and stored_rows == 0 and all(types is not None for _, types in typed_files):
        _load_first_typed_delivery(con, table, typed_files, load_id, loaded_at, result, currencies)
    else:
        _load_staged(con, table, typed_files, load_id, loaded_at, result, currencies, stored_rows)
    con.execute(
        f"insert into {LOAD_LOG_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            loaded_at,
            table.name,
            ", ".join(result.files),
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            result.rows_changed,
        ],
    )
    return result


def _load_staged(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    files: list[tuple[Delivery, dict[str, str] | None]],
    load_id: str,
    loaded_at: datetime,
    result: TableLoadResult,
    currencies: str,
    stored_rows: int,
) -> None:
    """Checks every row into the temporary table _checked (text files staged as text first), then
    replaces the stored rows that the valid ones change."""
    raw_cols = ", ".join(f"{qident('_raw_' + c.name)} VARCHAR" for c in table.columns)
    con.execute(f"create or replace temp table _incoming (_source_file VARCHAR, _row_number BIGINT, {raw_cols})")
    con.execute(
        "create or replace temp table _bad_lines "
        "(_source_file VARCHAR, line_number BIGINT, reason VARCHAR, raw_values VARCHAR)"
    )
    typed_cols = ", ".join(f"{qident(c.name)} {c.sql_type}" for c in table.columns)
    con.execute(
        f"create or replace temp table _checked "
        f"(_source_file VARCHAR, _row_number BIGINT, {typed_cols}, _reasons VARCHAR)"
    )
    names = ", ".join(qident(c) for c in table.column_names)
    typed_selects = {}
    for delivery, types in files:
        if types is None:
            _stage_file(con, table, delivery)
            continue
        typed_selects[delivery.label] = _typed_select(table, delivery, types, currencies)
        try:
            con.execute(
                f"insert into _checked select _source_file, _row_number, {names}, _reasons "
                f"from ({typed_selects[delivery.label]}) as typed"
            )
        except duckdb.Error as exc:
            raise LoadError(f"{delivery.path}: cannot read as a parquet file for table {table.name}: {exc}") from exc

    # every column's text is normalised once, then typed and checked from that
    normalised = ", ".join(f"{_text(qident('_raw_' + c.name))} as {_text_column(c)}" for c in table.columns)
    typed = ", ".join(f"{_typed_expr(c, _text_column(c))} as {qident(c.name)}" for c in table.columns)
    reasons = ", ".join(
        _reason_exprs(table, currencies, lambda c: qident("_raw_" + c.name), lambda c: _present(_text_column(c)))
    )
    # typed values and reasons only: the raw text stays in _incoming for the few rejected rows
    con.execute(
        f"""
        insert into _checked
        with texts as (
            select *, {normalised} from _incoming
        ),
        typed as (
            select *, {typed} from texts
        )
        select _source_file, _row_number, {names}, {joined_reasons(reasons)} as _reasons
        from typed
        """
    )
    _mark_duplicate_keys(con, table)
    # the delivered values of rejected rows: from the text staged for text files, from the file itself
    # (by row number) for typed Parquet files
    values = [
        "select _source_file, _row_number, to_json(struct_pack("
        + ", ".join(f"{qident(c.name)} := {qident('_raw_' + c.name)}" for c in table.columns)
        + "))::varchar from _incoming"
    ]
    values += [
        f"select _source_file, _row_number, _raw_values from ({select}) as typed "
        f"where _row_number in (select _row_number from _checked "
        f"where _source_file = {qstr(label)} and _reasons is not null)"
        for label, select in typed_selects.items()
    ]
    _insert_new_rejects(
        con,
        table,
        load_id,
        loaded_at,
        f"""
        select _checked._source_file, _checked._row_number, null::bigint, _checked._reasons, delivered.raw_values
        from _checked
        inner join ({" union all ".join(values)}) as delivered (_source_file, _row_number, raw_values)
            on _checked._source_file = delivered._source_file
            and _checked._row_number = delivered._row_number
        where _checked._reasons is not null
        union all
        select _source_file, null::bigint, line_number, reason, raw_values
        from _bad_lines
        """,
    )
    con.execute("drop table _incoming")
    (checked_rows, rejected_rows) = con.execute(
        "select count(*), count(*) filter (where _reasons is not null) from _checked"
    ).fetchone()
    (bad_lines,) = con.execute("select count(*) from _bad_lines").fetchone()
    result.rows_read = checked_rows + bad_lines
    result.rows_rejected = rejected_rows + bad_lines
    result.rows_loaded = checked_rows - rejected_rows

    # Rows that are new or differ from what the warehouse holds replace the earlier delivery.
    target = f"raw.{qident(table.name)}"
    valid = f"select {names}, _source_file from _checked where _reasons is null"
    if stored_rows == 0:
        # nothing stored to compare with or replace: every valid row is new
        con.execute(f"insert into {target} select {names}, ?::timestamp, _source_file from ({valid})", [loaded_at])
        result.rows_changed = result.rows_loaded
    else:
        matches = " and ".join(f"c.{qident(n)} is not distinct from t.{qident(n)}" for n in table.column_names)
        con.execute(
            f"create or replace temp table _changed as "
            f"select c.* from ({valid}) as c anti join (select {names} from {target}) as t on {matches}"
        )
        pk_match = " and ".join(f"{target}.{qident(k)} = _changed.{qident(k)}" for k in table.primary_key)
        old_struct = ", ".join(f"{qident(n)} := {target}.{qident(n)}" for n in table.column_names)
        con.execute(
            f"insert into {REPLACED_TABLE} select ?, ?::timestamp, {qstr(table.name)}, "
            f"to_json(struct_pack({old_struct}))::varchar from {target} semi join _changed on {pk_match}",
            [load_id, loaded_at],
        )
        con.execute(f"delete from {target} using _changed where {pk_match}")
        con.execute(f"insert into {target} select {names}, ?::timestamp, _source_file from _changed", [loaded_at])
        (result.rows_changed,) = con.execute("select count(*) from _changed").fetchone()
    for temp in ("_incoming", "_bad_lines", "_checked", "_changed"):
        con.execute(f"drop table if exists {temp}")


def load_directory(source_dir: Path, database: Path, accept_rejects: bool = False) -> list[TableLoadResult]:
    """Loads every contract table found in source_dir into database; one transaction for all.

    With accept_rejects the rows this load rejects are recorded as accepted, and builds do not stop
    on them (saas_metrics.rejects)."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise LoadError(f"{source_dir}: not a folder")
    tables = load_contract()
    database = Path(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set enable_progress_bar = false")
        # bounded memory: large deliveries spill to disk beside the database instead of growing without limit
        con.execute(f"set memory_limit = {qstr(os.environ.get('SAAS_METRICS_MEMORY_LIMIT', '6GB'))}")
        con.execute(f"set temp_directory = {qstr(str(database.parent / '.duckdb_tmp'))}")
        files = {name: find_files(source_dir, name) for name in tables}
        # A file that delivers no table would be lost without a trace: it stops the load.
        unrecognised = unrecognised_files(source_dir, {path for paths in files.values() for path in paths})
        if unrecognised:
            raise LoadError(
                f"{source_dir}: {len(unrecognised)} file(s) deliver no contract table: {', '.join(unrecognised)}. "
                "A table is delivered as <table>.csv, <table>.parquet or a folder <table>/ of .csv and .parquet "
                "part files, named after the table in lower case (names starting with '.' or '_' are skipped)."
            )
        # Check every file's header before writing anything, so a bad file stops the whole load.
        plan: dict[str, list[Delivery]] = {}
        for table in tables.values():
            plan[table.name] = [
                plan_delivery(con, table, path, path.relative_to(source_dir).as_posix()) for path in files[table.name]
            ]
        load_id = uuid.uuid4().hex
        loaded_at = datetime.now(UTC).replace(tzinfo=None)
        con.execute("begin transaction")
        ensure_raw_schema(con, tables)
        results = [load_table(con, tables[name], files, load_id, loaded_at) for name, files in plan.items()]
        if accept_rejects and any(r.rows_rejected for r in results):
            con.execute(f"insert into {ACCEPTED_REJECTS_TABLE} values (?, ?, 'when loaded')", [load_id, loaded_at])
        con.execute("commit")
        return results
    except duckdb.Error as exc:
        raise LoadError(f"loading {source_dir} into {database} failed: {exc}") from exc
    finally:
        con.close()
