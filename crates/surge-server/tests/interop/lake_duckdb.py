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

import duckdb

# The Delta log is read as `surge bench lake`'s DuckDB peer reads it: one reading of the log, not two.
sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src"))
from bench_lake_duckdb import active_files  # noqa: E402


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
