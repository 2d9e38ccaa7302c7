"""The peer of `surge bench lake`: DuckDB doing the same work as Surge on the same files, in the same run.

usage:
  python -c SCRIPT convert CSV PARQUET              -> {"rows": N}  (CSV to one Parquet file, DuckDB's defaults)
  python -c SCRIPT queries LAKE SOURCE FROM COLUMNS -> {"queries": {name: [ms, ...]}}
     the dashboard's queries over the Parquet files the lake's Delta logs name, each timed twice;
     COLUMNS are the measures Surge reads, comma-separated.

Run as a child process so that its time and peak memory are those of a whole process, as Surge's are.
"""

import json
import os
import sys
import time
from urllib.parse import unquote

import duckdb


def active_files(table: str) -> list[str]:
    """The Parquet files of a Delta table's latest version: `add` actions minus later `remove`s."""
    log = os.path.join(table, "_delta_log")
    commits = sorted(f for f in os.listdir(log) if f.endswith(".json") and f[:-5].isdigit())
    files: dict[str, None] = {}
    for name in commits:
        with open(os.path.join(log, name), encoding="utf-8") as f:
            for line in f:
                action = json.loads(line)
                if "add" in action:
                    files[unquote(action["add"]["path"])] = None
                elif "remove" in action:
                    files.pop(unquote(action["remove"]["path"]), None)
    return [os.path.join(table, path) for path in files]


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect() -> duckdb.DuckDBPyConnection:
    # Without this, a long statement draws a progress bar on standard output, where the answer goes.
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def convert(csv: str, parquet: str) -> None:
    con = connect()
    con.execute(f"COPY (SELECT * FROM read_csv({quoted(csv)})) TO {quoted(parquet)} (FORMAT parquet)")
    rows = con.execute(f"SELECT count(*) FROM read_parquet({quoted(parquet)})").fetchone()[0]
    print(json.dumps({"rows": rows}))


def queries(lake: str, source: str, since: str, columns: str) -> None:
    con = connect()
    for view, table in [("daily_cases", "daily_cases"), ("measures", f"{source}_measures")]:
        files = ", ".join(quoted(f) for f in active_files(os.path.join(lake, table)))
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet([{files}], hive_partitioning = true)")
    measures = ", ".join(c for c in columns.split(",") if c)
    # The same questions the dashboard asks DataFusion (surge-lake-delta's situation.rs). Each answer is kept in
    # DuckDB's own columns (a temporary table), as DataFusion's is kept in Arrow batches: counting the rows instead
    # would let DuckDB skip reading the columns.
    asked = {
        "window of daily cases": "SELECT region, sub_region, region_name, date, new_confirmed, cumulative_confirmed, "
        f"new_deaths, cumulative_deaths, country FROM daily_cases WHERE source = {quoted(source)} "
        f"AND date >= DATE {quoted(since)}",
        "window of measures": f"SELECT region, sub_region, date, {measures} FROM measures "
        f"WHERE date >= DATE {quoted(since)}",
        "other sources' latest totals": "WITH whole AS (SELECT source, country, date, cumulative_confirmed, "
        f"cumulative_deaths FROM daily_cases WHERE source <> {quoted(source)} AND country IS NOT NULL "
        "AND sub_region = ''), last AS (SELECT source, country, max(date) AS date FROM whole GROUP BY source, "
        "country) SELECT w.source, w.country, w.date, w.cumulative_confirmed, w.cumulative_deaths FROM whole w "
        "JOIN last l ON w.source = l.source AND w.country = l.country AND w.date = l.date "
        "ORDER BY w.country, w.source",
    }
    times: dict[str, list[float]] = {name: [] for name in asked}
    for _ in range(2):
        for name, sql in asked.items():
            started = time.perf_counter()
            con.execute(f"CREATE OR REPLACE TEMP TABLE answer AS {sql}")
            times[name].append((time.perf_counter() - started) * 1e3)
    print(json.dumps({"queries": times}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["convert"] and len(sys.argv) == 4:
        convert(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["queries"] and len(sys.argv) == 6:
        queries(*sys.argv[2:6])
    else:
        sys.exit(__doc__)
