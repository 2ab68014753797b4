"""Writing contract tables to Parquet or CSV, with optional injected faults.

Each table goes to one file, ``<table>.parquet`` (one row group per written batch) or
``<table>.csv`` (header row, then batches appended). Files are byte-identical for the same
input: fixed compression, no timestamps or library state in the output.

Faults are *extra* rows. Each is a copy of a real row of the same batch whose primary key
is made unique by appending ``~f<n>`` to a text key column (so it can never clash with a
clean row), then broken in one way the loader must reject. A duplicate-key fault is a pair
of such rows sharing one new key. Clean rows are never changed or dropped, so removing the
rows listed in ``_faults_manifest.json`` gives exactly the output of ``faults=0``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from .schema import TABLES, arrow_schema

#: Rule violations specific to one column of one table: (kind, table, column, bad value).
RULE_FAULTS = (
    ("negative_quantity", "billing_subscription_item_history", "quantity", -3),
    ("discount_percent_over_100", "billing_subscription_item_history", "discount_percent", 150.0),
    ("invalid_billing_interval", "billing_prices", "billing_interval", "fortnight"),
    ("interval_count_below_1", "billing_prices", "interval_count", 0),
    ("nonpositive_fx_rate", "fx_rates", "usd_per_unit", -1.08),
    ("negative_spend", "marketing_ad_spend", "spend", -125.5),
    ("nps_score_out_of_range", "crm_nps_responses", "score", 11),
    ("unknown_currency", "billing_prices", "currency", "XXQ"),
    ("unknown_currency", "billing_invoices", "currency", "XXQ"),
    ("unknown_currency", "fx_rates", "currency", "XXQ"),
    ("unknown_currency", "marketing_ad_spend", "currency", "XXQ"),
    ("unknown_currency", "operating_expenses", "currency", "XXQ"),
)
TEMPORAL = ("timestamp", "date")
#: Faulty rows are inserted in at most this many runs per written batch.
MAX_GROUPS = 64
NUMERIC = ("integer", "bigint", "double")


def fault_plan(table: str) -> dict:
    """Which columns a table's faults touch (fixed per table, independent of the data)."""
    spec = TABLES[table]
    pk = spec["pk"]
    cols = spec["columns"]
    rule_cols = {c for _, t, c, _ in RULE_FAULTS if t == table}
    key_col = next(c for c, t, _ in cols if c in pk and t == "varchar")

    def pick(types):
        ranked = sorted(
            (c for c, t, _ in cols if t in types and c not in rule_cols),
            key=lambda c: (c in pk, dict((n, nl) for n, _, nl in cols)[c]),
        )
        return ranked[0] if ranked else None

    temporal = pick(TEMPORAL)
    numeric = pick(NUMERIC)
    others = [c for c in pk if c != key_col]
    null_target = next((c for c, _, nl in cols if not nl and c not in pk), others[0] if others else key_col)
    kinds = ["null_required", "duplicate_key"]
    if temporal:
        kinds += ["unparsable_timestamp", "broken_timestamp"]
    if numeric:
        kinds.append("unparsable_number")
    rules = [(k, c, v) for k, t, c, v in RULE_FAULTS if t == table]
    kinds += [k for k, _, _ in rules]
    return {
        "key_col": key_col,
        "temporal": temporal,
        "numeric": numeric,
        "null_target": null_target,
        "kinds": kinds,
        "rules": rules,
        "string_cols": frozenset(c for c in (temporal, numeric) if c),
    }


def to_text(arr: pa.Array, ctype: str) -> pa.Array:
    """Canonical text of a typed column: ISO 8601 UTC times, plain numbers, true/false."""
    if pa.types.is_string(arr.type):
        return arr
    if ctype == "timestamp":
        # Formatting the UTC wall clock of a naive cast is several times faster than
        # formatting with a time zone; the values are whole seconds.
        text = arr.cast(pa.timestamp("s"), safe=False).cast(pa.string())
        return pc.binary_join_element_wise(pc.replace_substring(text, " ", "T"), "Z", "")
    if ctype == "date":
        return arr.cast(pa.string())
    if ctype == "boolean":
        return pc.if_else(arr, "true", "false")
    return arr.cast(pa.string())


class TableWriter:
    def __init__(self, table: str, out_dir: Path, fmt: str, fault_rate: float, rng_seed):
        self.table = table
        self.fmt = fmt
        self.fault_rate = float(fault_rate)
        self.spec = TABLES[table]
        self.ctypes = {c: t for c, t, _ in self.spec["columns"]}
        self.plan = fault_plan(table) if self.fault_rate > 0 else None
        if fmt == "csv":
            self.string_cols = frozenset(self.ctypes)
        elif self.plan:
            self.string_cols = self.plan["string_cols"]
        else:
            self.string_cols = frozenset()
        self.schema = arrow_schema(table, self.string_cols)
        self.file = f"{table}.{fmt}"
        self.path = Path(out_dir) / self.file
        self.rows = 0
        self.fault_seq = 0
        self.manifest: list[dict] = []
        self.rng = np.random.default_rng(rng_seed)
        if fmt == "parquet":
            # Dictionary-encode every column but a single-column key (unique by definition).
            pk = self.spec["pk"]
            dict_cols = [c for c in self.ctypes if not (len(pk) == 1 and c == pk[0])]
            self._writer = pq.ParquetWriter(
                self.path,
                self.schema,
                compression="zstd",
                compression_level=1,
                use_dictionary=dict_cols,
                write_statistics=True,
            )
        else:
            self._writer = pcsv.CSVWriter(
                self.path,
                self.schema,
                write_options=pcsv.WriteOptions(include_header=True, quoting_style="needed"),
            )

    # ------------------------------------------------------------------ public
    def write(self, cols: dict) -> None:
        names = [c for c, _, _ in self.spec["columns"]]
        missing = set(names) - set(cols)
        if missing:
            raise ValueError(f"{self.table}: missing columns {sorted(missing)}")
        arrays = []
        for name in names:
            arr = cols[name]
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            if name in self.string_cols:
                arr = to_text(arr, self.ctypes[name])
            arrays.append(arr.cast(self.schema.field(name).type))
        batch = pa.Table.from_arrays(arrays, schema=self.schema)
        if len(batch) == 0:
            return
        if self.plan:
            batch = self._inject(batch)
        if self.fmt == "parquet":
            self._writer.write_table(batch, row_group_size=1 << 20)
        else:
            self._writer.write_table(batch)
        self.rows += len(batch)

    def close(self) -> int:
        self._writer.close()
        return self.rows

    # ------------------------------------------------------------------ faults
    def _inject(self, batch: pa.Table) -> pa.Table:
        n = len(batch)
        k = int(self.rng.binomial(n, min(self.fault_rate, 1.0)))
        if k == 0:
            return batch
        plan = self.plan
        kinds = np.array(plan["kinds"], dtype=object)[self.rng.integers(0, len(plan["kinds"]), k)]
        templates = self.rng.integers(0, n, k)
        # A duplicate-key fault contributes two rows from the same template.
        dup = kinds == "duplicate_key"
        rep = np.where(dup, 2, 1)
        kinds = np.repeat(kinds, rep)
        templates = np.repeat(templates, rep)
        group = np.repeat(np.arange(k), rep)
        bad = batch.take(pa.array(templates))
        seq = self.fault_seq + group
        self.fault_seq += k
        cols = {name: bad.column(name).combine_chunks() for name in batch.column_names}
        key = plan["key_col"]
        suffix = pa.array([f"~f{s}" for s in seq], type=pa.string())
        cols[key] = pc.binary_join_element_wise(cols[key].cast(pa.string()), suffix, "")
        for kind in np.unique(kinds):
            m = kinds == kind
            if kind == "duplicate_key":
                continue
            if kind == "null_required":
                col = plan["null_target"]
                cols[col] = _set(cols[col], m, None)
            elif kind == "unparsable_timestamp":
                cols[plan["temporal"]] = _set(cols[plan["temporal"]], m, "not-a-date")
            elif kind == "broken_timestamp":
                col = plan["temporal"]
                val = "2024-13-45" if self.ctypes[col] == "date" else "2024-13-45T25:61:00Z"
                cols[col] = _set(cols[col], m, val)
            elif kind == "unparsable_number":
                cols[plan["numeric"]] = _set(cols[plan["numeric"]], m, "abc")
            else:
                for rkind, col, val in plan["rules"]:
                    if rkind == kind:
                        if col in self.string_cols and not isinstance(val, str):
                            val = str(val)
                        cols[col] = _set(cols[col], m, val)
        bad = pa.Table.from_arrays([cols[c] for c in batch.column_names], schema=self.schema)
        # Insert the faulty rows among the clean ones: shuffled, then split into up to
        # MAX_GROUPS runs placed at random cut points (zero-copy slices, no full reorder).
        m = len(bad)
        perm = self.rng.permutation(m)
        bad = bad.take(pa.array(perm))
        kinds = kinds[perm]
        groups = min(m, MAX_GROUPS)
        cuts = np.sort(self.rng.integers(0, n + 1, groups))  # clean rows before each run
        bounds = np.linspace(0, m, groups + 1).round().astype(np.int64)  # bad rows in each run
        pieces, bad_pos, prev = [], np.empty(m, np.int64), 0
        for g in range(groups):
            lo, hi = bounds[g], bounds[g + 1]
            pieces.append(batch.slice(prev, cuts[g] - prev))
            pieces.append(bad.slice(lo, hi - lo))
            bad_pos[lo:hi] = cuts[g] + lo + np.arange(hi - lo)  # 0-based rows in `out`
            prev = cuts[g]
        pieces.append(batch.slice(prev))
        out = pa.concat_tables(pieces)
        pk_cols = self.spec["pk"]
        pk_text = {c: to_text(bad.column(c).combine_chunks(), self.ctypes[c]).to_pylist() for c in pk_cols}
        for i in range(m):
            self.manifest.append(
                {
                    "table": self.table,
                    "file": self.file,
                    "row_number": int(self.rows + bad_pos[i] + 1),
                    "primary_key": {c: pk_text[c][i] for c in pk_cols},
                    "kind": str(kinds[i]),
                }
            )
        return out


def _set(arr: pa.Array, mask: np.ndarray, value) -> pa.Array:
    """arr with the masked positions replaced by value (None = null)."""
    scalar = pa.scalar(value, type=arr.type) if value is not None else pa.scalar(None, type=arr.type)
    return pc.if_else(pa.array(mask), scalar, arr)
