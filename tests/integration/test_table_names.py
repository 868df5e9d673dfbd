"""One table-name grammar for every entry point: what one layer refuses, every layer refuses, in one
line and before anything is written; what one accepts, every layer accepts (SQL folds case, the
API and CLI refuse upper case instead of folding it)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lakekit import InvalidTableName, Lake
from lakekit.cli import app
from lakekit.core import names

REFUSED = ["fz._delta_log", "_delta_log.x",
           "fz.a b", "fz.a~b", "fz.a*b", "fz.a?b", "fz.a@b", "fz.a:b", "fz.a#b", "fz.a;b", "fz.a\u202eb", "fz.a\nb",
           "n.[a]", "sec.%2e%2e", "sec.%2e%2e%2f%2e%2e", "Demo.Upper", "-x.y", "fz." + "a" * 65, "fz", "a.b.c",
           "fz.", ".x", "fz.9lives", "fz.é"]


def _state(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path / "lake")
    (tmp_path / "in.csv").write_text("id,v\n1,x\n")
    lake.ingest("fz.ok", str(tmp_path / "in.csv"))
    return lake


@pytest.mark.parametrize("name", REFUSED)
def test_every_entry_point_refuses_a_bad_name_before_writing(lake: Lake, tmp_path: Path, name: str) -> None:
    before = _state(Path(lake.storage.root))
    calls = [
        lambda: lake.ingest(name, str(tmp_path / "in.csv")),
        lambda: lake.transform(name, "SELECT * FROM fz.ok", dialect="duckdb"),
        lambda: lake.read(name),
        lambda: lake.history(name),
        lambda: lake.loads(name),
    ]
    for call in calls:
        with pytest.raises(InvalidTableName) as caught:
            call()
        assert "\n" not in str(caught.value) and str(caught.value).startswith("table names")
    with pytest.raises(InvalidTableName), lake.start_run("r") as run:
        run.write(name, pa.table({"id": [1]}))
    result = CliRunner().invoke(app, ["ingest", "--lake", lake.root, "--", name, str(tmp_path / "in.csv")])
    assert result.exit_code == 1 and result.stderr.startswith("error: table names")
    assert len(result.stderr.strip().splitlines()) == 1
    def data(state: dict[str, str]) -> dict[str, str]:  # the run's own records aside
        return {k: v for k, v in state.items() if not k.startswith(("_lakekit/runs", "_lakekit/journal"))}

    assert data(_state(Path(lake.storage.root))) == data(before)


def test_sql_folds_case_and_refuses_what_the_grammar_refuses(lake: Lake) -> None:
    assert lake.sql('SELECT count(*) AS n FROM "FZ"."OK"').column("n").to_pylist() == [1]
    assert lake.sql("SELECT count(*) AS n FROM Fz.Ok").column("n").to_pylist() == [1]
    with pytest.raises(InvalidTableName):
        lake.sql('SELECT * FROM fz."a b"')
    with pytest.raises(InvalidTableName):
        lake.transform("fz.out", 'CREATE TABLE fz."a b" AS SELECT 1 AS x', dialect="duckdb")
    with pytest.raises(InvalidTableName, match="_lakekit"):
        lake.transform("_lakekit.loads", "SELECT * FROM fz.ok", dialect="duckdb")
    lake.transform("fz.out", "CREATE TABLE FZ.OUT AS SELECT id FROM fz.ok", dialect="duckdb")
    assert lake.read("fz.out").num_rows == 1


def test_the_reserved_namespace_is_read_only(lake: Lake, tmp_path: Path) -> None:
    assert lake.read("_lakekit.loads").num_rows == 1
    with pytest.raises(InvalidTableName, match="lakekit's own tables"):
        lake.ingest("_lakekit.loads", str(tmp_path / "in.csv"))


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=12))
def test_a_name_is_valid_exactly_when_storage_and_the_index_schema_accept_it(lake: Lake, name: str) -> None:
    import re

    from lakekit.index.schemas import TABLE

    valid = names.valid(name)
    assert valid == (bool(re.match(TABLE, name)) and names.DELTA_LOG not in name.split("."))
    if valid:
        assert lake.storage.uri(name).endswith("/" + name.replace(".", "/"))
    else:
        with pytest.raises(InvalidTableName):
            lake.storage.uri(name)
