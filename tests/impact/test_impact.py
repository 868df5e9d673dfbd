"""Lineage across the lake and reruns: three chained transforms, an indirect path, exact row diffs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lakekit as lk
from lakekit.cli import app
from lakekit.errors import UsageError
from lakekit.index import metadata

USERS = [(1, "10.0.0.1", "de", 1990), (2, "10.0.0.2", "nl", 1985), (3, "10.0.0.3", "de", 2001),
         (4, "10.0.0.3", "fr", 1999), (5, "10.0.0.5", "de", 1970)]
BLOCKED = ["10.0.0.3", "10.0.0.9"]
FIXED = ["10.0.0.9"]

DESPAM = """
SELECT u.user_id, u.country, u.birth_year
FROM raw.members u
LEFT JOIN raw.blocked b ON u.ip = b.ip
WHERE b.ip IS NULL
"""
FEATURES = """
SELECT user_id, country, 2026 - birth_year AS age FROM clean.members
"""
COUNTS = """
SELECT country, COUNT(*) AS members, AVG(age) AS mean_age FROM features.members GROUP BY country
"""


def write(path: Path, header: str, rows: list[tuple[object, ...]]) -> str:
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return str(path)


@pytest.fixture
def chain(tmp_path: Path) -> lk.Lake:
    lake = lk.Lake(tmp_path / "lake")
    lake.ingest("raw.members", write(tmp_path / "u.csv", "user_id,ip,country,birth_year", USERS))
    lake.ingest("raw.blocked", write(tmp_path / "b.csv", "ip", [(ip,) for ip in BLOCKED]))
    lake.transform("clean.members", DESPAM, dialect="snowflake")
    lake.transform("features.members", FEATURES, dialect="bigquery")
    lake.transform("stats.members", COUNTS, dialect="postgres")
    return lake


def refs(graph: lk.models.LineageGraph) -> set[tuple[str, str, str, str]]:
    return {(f"{e.edge.source_table}.{e.edge.source_column}", f"{e.edge.target_table}.{e.edge.target_column}",
             e.edge.kind, e.edge.subtype) for e in graph.edges}


def test_every_edge_is_recorded_with_versions(chain: lk.Lake) -> None:
    rows = metadata.read(chain._storage, "lineage").to_pylist()
    despam = [r for r in rows if r["target_table"] == "clean.members"]
    assert {(r["source_table"], r["source_column"], r["target_column"], r["subtype"]) for r in despam} == {
        ("raw.members", "user_id", "user_id", "identity"), ("raw.members", "country", "country", "identity"),
        ("raw.members", "birth_year", "birth_year", "identity"), ("raw.members", "ip", "*", "join"),
        ("raw.blocked", "ip", "*", "join"), ("raw.blocked", "ip", "*", "filter"),
    }
    assert {(r["source_version"], r["target_version"]) for r in despam} == {(0, 0)}
    transforms = metadata.read(chain._storage, "transforms").to_pylist()
    assert sorted(t["table"] for t in transforms) == ["clean.members", "features.members", "stats.members"]
    assert json.loads(next(t for t in transforms if t["table"] == "features.members")["inputs"]) == {
        "clean.members": 0}


def test_downstream_of_a_column_used_only_in_a_join_reaches_everything(chain: lk.Lake) -> None:
    graph = chain.lineage.downstream("raw.blocked.ip")
    assert graph.tables == ("clean.members", "features.members", "stats.members")
    found = refs(graph)
    assert ("raw.blocked.ip", "clean.members.*", "indirect", "filter") in found
    assert ("clean.members.birth_year", "features.members.age", "direct", "transformation") in found
    assert ("features.members.age", "stats.members.mean_age", "direct", "aggregation") in found
    assert ("features.members.country", "stats.members.*", "indirect", "group_by") in found


def test_upstream_of_a_column_follows_direct_and_indirect_paths(chain: lk.Lake) -> None:
    found = refs(chain.lineage.upstream("stats.members.mean_age"))
    assert {s for s, _, _, _ in found} == {
        "features.members.age", "features.members.country", "clean.members.birth_year", "clean.members.country",
        "raw.members.birth_year", "raw.members.country", "raw.members.ip", "raw.blocked.ip",
    }
    narrow = refs(chain.lineage.upstream("features.members.age"))
    assert ("raw.members.country", "clean.members.country", "direct", "identity") not in narrow
    with pytest.raises(UsageError):
        chain.lineage.upstream("nodots")
    with pytest.raises(UsageError, match=r"raw\.nope"):
        chain.lineage.downstream("raw.nope.x")


def test_rerun_after_the_upstream_fix_reports_exact_row_changes(chain: lk.Lake, tmp_path: Path) -> None:
    planned = chain.rerun("raw.blocked", dry_run=True)
    assert [(s.table, s.version, s.reason) for s in planned] == [
        ("clean.members", None, "inputs unchanged"), ("features.members", None, "inputs unchanged"),
        ("stats.members", None, "inputs unchanged")]
    chain.ingest("raw.blocked", write(tmp_path / "fixed.csv", "ip", [(ip,) for ip in FIXED]), mode="overwrite")
    assert next(s.reason for s in chain.rerun("raw.blocked", dry_run=True)) == "raw.blocked v0 → v1"
    steps = {s.table: s for s in chain.rerun("raw.blocked")}
    assert steps["clean.members"].rows.added == 2 and steps["clean.members"].rows.removed == 0
    assert steps["features.members"].rows.added == 2
    assert steps["stats.members"].version == 1
    stats = steps["stats.members"].rows
    # no keys: rows compare whole; the de row changed (old gone, new one added) and an fr row appeared
    assert (stats.added, stats.removed, stats.changed) == (2, 1, 0)
    assert sorted(chain.read("clean.members").column("user_id").to_pylist()) == [1, 2, 3, 4, 5]
    assert chain.read("clean.members", version=0).num_rows == 3
    assert chain.lineage.downstream("raw.blocked.ip").edges[0].source_version == 1
    assert all(s.version is None or s.reason for s in chain.rerun("raw.blocked"))


def test_cli_lineage_formats_and_rerun(chain: lk.Lake) -> None:
    runner = CliRunner()
    root = chain.root
    tree = runner.invoke(app, ["lineage", "down", "raw.blocked.ip", "--lake", root])
    assert tree.exit_code == 0 and "stats.members" in tree.stdout and "indirect/filter" in tree.stdout
    up = ["lineage", "up", "stats.members.mean_age", "-f", "json", "--lake", root]
    data = json.loads(runner.invoke(app, up).stdout)
    assert data["direction"] == "upstream" and len(data["edges"]) >= 8
    down = ["lineage", "down", "raw.blocked", "-f", "openlineage", "--lake", root]
    events = json.loads(runner.invoke(app, down).stdout)
    assert {e["job"]["name"] for e in events} == {"transform clean.members", "transform features.members",
                                                  "transform stats.members"}
    assert [e["eventType"] for e in events].count("START") == [e["eventType"] for e in events].count("COMPLETE") == 3
    assert all("columnLineage" in e["outputs"][0]["facets"] for e in events if e["eventType"] == "COMPLETE")
    mermaid = runner.invoke(app, ["lineage", "down", "raw.blocked.ip", "-f", "mermaid", "--lake", root]).stdout
    assert mermaid.startswith("flowchart")
    rerun = runner.invoke(app, ["rerun", "--downstream-of", "raw.blocked", "--dry-run", "--json", "--lake", root])
    assert rerun.exit_code == 0 and next(s["table"] for s in json.loads(rerun.stdout)) == "clean.members"
    missing = runner.invoke(app, ["rerun", "--downstream-of", "raw.nope", "--lake", root])
    assert missing.exit_code == 1 and "raw.nope" in missing.stderr


SCORE = """
import pyarrow as pa, pyarrow.compute as pc, lakekit as lk
lake = lk.Lake({root!r})
with lake.start_run("scorer") as run:
    rows = run.read("features.members")
    scored = rows.select(["user_id"]).append_column("score", pc.multiply(rows.column("age"), 2))
    run.write("scored.members", scored, mode="overwrite")
"""


def test_runs_sit_inside_the_lineage_and_rerun_with_include_runs(chain: lk.Lake, tmp_path: Path) -> None:
    import sys

    script = tmp_path / "score.py"
    script.write_text(SCORE.format(root=str(tmp_path / "lake")))
    first = chain.run_command("scorer", [sys.executable, str(script)])
    assert first.status == "finished"
    down = chain.lineage.downstream("raw.blocked.ip")
    assert first.run_id in down.runs and "scored.members" in down.tables
    up = chain.lineage.upstream("scored.members")
    assert first.run_id in up.runs and {"raw.blocked", "raw.members"} <= set(up.tables)

    chain.ingest("raw.blocked", write(tmp_path / "fixed.csv", "ip", [(ip,) for ip in FIXED]), mode="overwrite")
    planned = chain.rerun("raw.blocked", dry_run=True, include_runs=True)
    assert [s.table for s in planned][:3] == ["clean.members", "features.members", "stats.members"]
    steps = chain.rerun("raw.blocked", include_runs=True)
    ran = [s for s in steps if s.run_id is not None]
    assert [s.table for s in ran] == ["scored.members"] and ran[0].rows.added == 2
    assert sorted(chain.read("scored.members").column("user_id").to_pylist()) == [1, 2, 3, 4, 5]
    assert chain.stale_runs() == []


def test_a_piped_lineage_tree_is_never_cut(chain: lk.Lake) -> None:
    tree = CliRunner().invoke(app, ["lineage", "up", "stats.members.mean_age", "--lake", chain.root]).stdout
    assert max(len(line) for line in tree.splitlines()) > 80  # wider than the 80 columns rich assumes for a pipe
    assert "raw.members.birth_year (v0) → clean.members.birth_year (v0)  direct/identity" in tree


def test_a_walk_stops_after_its_hops_and_many_walks_read_the_lineage_once(chain: lk.Lake) -> None:
    assert chain.lineage.downstream("raw.blocked.ip", hops=1).tables == ("clean.members",)
    assert chain.lineage.downstream("raw.blocked.ip", hops=2).tables == ("clean.members", "features.members")
    assert chain.lineage.downstream("raw.blocked.ip", hops=3) == chain.lineage.downstream("raw.blocked.ip")
    with chain.start_run("scorer") as run:  # crossing a run is one hop
        run.read("features.members")
        run.write("scored.members", chain.read("features.members", columns=["user_id"]))
    assert "scored.members" not in chain.lineage.downstream("raw.blocked.ip", hops=2).tables
    near = chain.lineage.downstream("raw.blocked.ip", hops=3)
    assert "scored.members" in near.tables and len(near.runs) == 1
    refs_ = ["raw.blocked.ip", "features.members.age", "stats.members"]
    assert chain.lineage.walks([(r, "upstream") for r in refs_], 2) == \
        [chain.lineage.upstream(r, hops=2) for r in refs_]
    with pytest.raises(lk.ColumnNotFound):
        chain.lineage.walks([("raw.blocked.nope", "downstream")])
    with pytest.raises(UsageError, match=r"raw\.nope"):
        chain.lineage.walks([("raw.nope", "downstream")])
    near = CliRunner().invoke(app, ["lineage", "down", "raw.blocked.ip", "--hops", "1", "--json", "--lake", chain.root])
    assert near.exit_code == 0 and json.loads(near.stdout)["tables"] == ["clean.members"]
