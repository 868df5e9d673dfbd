"""Round trips: hypothesis-generated tables, written by successive ingests, read back at every version.

Each example is a table of ints, floats, strings (unicode, empty), bools and timestamps with
a time zone, all nullable, loaded in 2-4 ingests (append or overwrite), each from a Parquet,
CSV or NDJSON file. The first load is Parquet, so it fixes the table's types exactly; later
files may leave columns out. Reading each version must give exactly the rows the model says
were there, each carrying the load id of the ingest that brought it, and ``as_of`` with each
commit's timestamp must resolve to that commit's version.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lakekit import Lake

COLUMNS: dict[str, pa.DataType] = {
    "i": pa.int64(), "f": pa.float64(), "s": pa.string(), "b": pa.bool_(), "t": pa.timestamp("us", tz="UTC"),
}
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "i": st.integers(-(2**63), 2**63 - 1),
    "f": st.floats(allow_nan=False, allow_infinity=False).map(lambda x: x + 0.0),  # no -0.0
    "s": st.one_of(st.just(""), st.text(max_size=10),
                   st.sampled_from(["ü€😀", "0", "12", "true", "2024-01-02", "NA", "null", " "])),
    "b": st.booleans(),
    "t": st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)),
}
# Strings written by pyarrow's CSV writer are quoted, and lakekit reads no quoted field as null:
# every string survives a CSV file ("NA", "null" and "" included); a null is an unquoted empty field.

row = st.fixed_dictionaries({name: st.none() | values for name, values in VALUES.items()})


@st.composite
def loads(draw) -> list[dict[str, Any]]:
    """2-4 loads: format, mode, the columns the file has, and its rows."""
    out = []
    for n in range(draw(st.integers(2, 4))):
        fmt = "parquet" if n == 0 else draw(st.sampled_from(["parquet", "csv", "ndjson"]))
        mode = "append" if n == 0 else draw(st.sampled_from(["append", "append", "overwrite"]))
        names = list(COLUMNS) if n == 0 else draw(st.lists(st.sampled_from(list(COLUMNS)), min_size=1,
                                                           unique=True).map(lambda c: [n for n in COLUMNS if n in c]))
        rows = draw(st.lists(row, min_size=1, max_size=6))
        out.append({"format": fmt, "mode": mode, "columns": names,
                    "rows": [{k: r[k] for k in names} for r in rows]})
    return out


def write(path: Path, load: dict[str, Any]) -> Path:
    names, rows = load["columns"], load["rows"]
    schema = pa.schema([(n, COLUMNS[n]) for n in names])
    table = pa.Table.from_pylist(rows, schema=schema)
    path = path.with_suffix("." + load["format"])
    if load["format"] == "parquet":
        pq.write_table(table, path)
    elif load["format"] == "csv":
        pacsv.write_csv(table, path)
    else:
        with path.open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps({k: v.isoformat() if isinstance(v, datetime) else v for k, v in r.items()},
                                   ensure_ascii=False) + "\n")
    return path


def expected_rows(load: dict[str, Any], load_id: str) -> list[dict[str, Any]]:
    """The rows a load adds, as the table holds them: every column, missing ones null."""
    out = []
    for r in load["rows"]:
        if load["format"] == "csv" and list(r.values()) == [None]:
            continue  # a one-column CSV writes a null as an empty line, which CSV readers skip
        full = {n: r.get(n) for n in COLUMNS}
        out.append({**full, "_load_id": load_id})
    return out


def canonical(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str, ensure_ascii=False) for r in rows)


_EXAMPLES = itertools.count()


@settings(max_examples=50, derandomize=True, database=None, report_multiple_bugs=False,
          phases=[Phase.explicit, Phase.generate, Phase.shrink],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=loads())
def test_every_version_reads_back_what_was_written(tmp_path, plan):
    folder = tmp_path / f"example-{next(_EXAMPLES)}"
    folder.mkdir()
    lake = Lake(folder / "lake")
    model: dict[int, list[dict[str, Any]]] = {}
    current: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, load in enumerate(plan):
        path = write(folder / f"load-{n}", load)
        r = lake.ingest("raw.t", str(path), mode=load["mode"])
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:  # the same bytes were loaded before: exactly once, so no new version
            assert (r.version, r.rows, r.skipped) == (len(model) - 1, 0, True)
            continue
        seen.add(digest)
        added = expected_rows(load, r.load_id)
        assert (r.version, r.rows, r.skipped) == (len(model), len(added), False)
        current = added if load["mode"] == "overwrite" else current + added
        model[r.version] = current

    for version, rows in model.items():
        got = lake.read("raw.t", version=version)
        assert got.schema.names == [*COLUMNS, "_load_id"]
        assert [got.schema.field(n).type for n in COLUMNS] == list(COLUMNS.values())
        assert canonical(got.to_pylist()) == canonical(rows), f"version {version}"

    stamps = {h.version: h.timestamp for h in lake.history("raw.t")}
    assert sorted(stamps) == sorted(model)
    for when in stamps.values():
        meant = max(v for v, t in stamps.items() if t <= when)  # == version unless two commits share a ms
        assert lake.resolve_version("raw.t", as_of=when) == meant
        assert canonical(lake.read("raw.t", as_of=when.isoformat()).to_pylist()) == canonical(model[meant])
