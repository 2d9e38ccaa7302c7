"""DuckDB reads a Delta table Surge wrote and totals it: interoperability of the situation lake.

The Delta log (`_delta_log/NNN.json`, one JSON action per line) says which Parquet files make up the table's
current version: `add` actions minus later `remove`s. DuckDB then reads those files, taking the partition column
(`source`) from their `source=...` directories as Delta and Hive lay them out. DuckDB's own `delta` extension would
do the log reading too, but it is downloaded on first use, which this machine cannot do.

usage: lake_duckdb.py TABLE_DIR  ->  JSON [{"source", "rows", "new_confirmed", "cumulative_deaths_max"}, ...]
"""

import json
import os
import sys
from urllib.parse import unquote

import duckdb


def active_files(table: str) -> list[str]:
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


def main() -> None:
    table = sys.argv[1]
    files = active_files(table)
    con = duckdb.connect()
    rows = con.execute(
        "SELECT source, count(*), sum(new_confirmed), max(cumulative_deaths) "
        "FROM read_parquet(?, hive_partitioning = true) GROUP BY source ORDER BY source",
        [files],
    ).fetchall()
    print(json.dumps([
        {"source": s, "rows": n, "new_confirmed": int(c) if c is not None else None,
         "cumulative_deaths_max": d}
        for s, n, c, d in rows
    ]))


if __name__ == "__main__":
    main()
