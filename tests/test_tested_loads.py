"""Tests on the raw tables read only the rows loaded since the last complete build that passed.

The loader rejects every row a raw test could fail on, so a bad raw row is written here directly
into the raw table, as a process other than `saas-metrics load` could: the same web session twice,
dated after as_of so that no model reads it and only the raw key test can see it.
"""

from __future__ import annotations

import duckdb
import pytest

from saas_metrics.dbt_runner import BuildError, build
from tests.helpers import FIXTURES, build_warehouse

AS_OF = "2024-04-30"


def _watermarks(database) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select count(*) from intermediate._tested_loads").fetchone()[0]


def _insert_duplicate_session(database, loaded_at: str) -> None:
    """Two raw rows with one session_id, loaded at loaded_at."""
    with duckdb.connect(str(database)) as con:
        for _ in range(2):
            con.execute(
                "insert into raw.web_sessions (session_id, anonymous_id, started_at, pageviews, _loaded_at) "
                f"values ('ses_twice', 'anon_twice', timestamp '2030-01-01 00:00:00', 1, timestamp '{loaded_at}')"
            )


def test_raw_tests_read_the_rows_loaded_since_the_last_complete_passing_build(tmp_path):
    database = build_warehouse(FIXTURES / "revenue_usd", tmp_path, AS_OF)
    assert _watermarks(database) == 1

    # a build of some models only records no watermark
    build(database, as_of=AS_OF, select=["+fct_mrr_monthly"], target_path=tmp_path / "target_selected")
    assert _watermarks(database) == 1

    # a bad row dated before the watermark counts as tested: the next build passes and records one
    _insert_duplicate_session(database, "2000-01-01 00:00:00")
    build(database, as_of=AS_OF, target_path=tmp_path / "target_daily")
    assert _watermarks(database) == 2

    # a bad row loaded after the last passing build fails the build, which records no watermark,
    # so the next build tests the same rows again
    _insert_duplicate_session(database, "2999-01-01 00:00:00")
    with pytest.raises(BuildError):
        build(database, as_of=AS_OF, target_path=tmp_path / "target_new_row")
    assert _watermarks(database) == 2

    # --full-refresh tests every raw row again
    with duckdb.connect(str(database)) as con:
        con.execute("delete from raw.web_sessions where _loaded_at > timestamp '2100-01-01 00:00:00'")
    with pytest.raises(BuildError):
        build(database, as_of=AS_OF, target_path=tmp_path / "target_full", full_refresh=True)
