"""`lakekit docs build | serve` on a small lake: what each page holds, masking, replacing a site, serving."""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import lakekit as lk
from lakekit import site
from lakekit.cli import app
from lakekit.site import Rebuilder, pages, serve
from lakekit.site.pages import MASK, edge_row

SCHEMAS = "tests.gdpr.gdpr_models"
PEOPLE = [(1, "ada@example.org", "Ada Lovelace", "10.1.2.3", "UK"), (2, "alan@example.org", "Alan Turing",
                                                                     "10.4.5.6", "UK")]


def people_lake(root: Path, people: list[tuple[int, str, str, str, str]] = PEOPLE) -> lk.Lake:
    """crm.people (tagged by its schema), crm.contacts (its e-mails, tagged through lineage), a run reading both."""
    lake = lk.Lake(root / "lake", schemas=SCHEMAS)
    path = root / "people.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([("user_id", "email", "name", "ip", "country"), *people])
    lake.ingest("crm.people", str(path))
    lake.transform("crm.contacts", "SELECT email, country FROM crm.people WHERE country <> 'XX'", dialect="duckdb")
    with lake.start_run("churn", params={"depth": 3}) as run:
        run.read("crm.people", columns=["user_id", "country"])
        run.read("crm.contacts")
        run.log_metrics({"auc": 0.75})
    return lake


@pytest.fixture
def small(tmp_path: Path) -> lk.Lake:
    return people_lake(tmp_path)


def _built(out: Path) -> dict[str, object]:
    """Every data file of a built site, by key, as the page would load it."""
    found = {}
    for path in (out / "data").rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        key, _, value = text.removeprefix("LK.put(").removesuffix(");\n").partition(", ")
        found[json.loads(key)] = json.loads(value)
    return found


def _walk(data: dict[str, object], table: str, key: str, column: str) -> dict[str, object]:
    """A walk of a lineage file, its tables and edges named again from the index and the chunks
    of edges (as the page does)."""
    walk = data[f"lineage/{table}"][key][column]
    names, size = data["index"]["lineage"]["tables"], data["index"]["lineage"]["chunk"]

    def edge(i: int) -> list[object]:
        chunk = data[f"edges/{i // size}"]
        e = chunk["rows"][i % size]
        return [names[e[0]], e[1], names[e[2]], *e[3:8], chunk["transforms"][e[8]]]

    return {**walk, "tables": [names[i] for i in walk["tables"]], "edges": [edge(i) for i in walk["edges"]]}


def _personal(values: list[tuple[int, str, str, str, str]]) -> set[str]:
    return {v for p in values for v in p[1:4]}


def test_every_table_run_and_page_is_written(small: lk.Lake, tmp_path: Path) -> None:
    report = site.build(small, tmp_path / "site")
    data = _built(tmp_path / "site")
    run_id = small.runs().column("run_id")[0].as_py()
    assert (report.tables, report.runs) == (2, 1)
    assert set(data) == {"index", "gdpr", "tables/crm.people", "tables/crm.contacts", "lineage/crm.people",
                         "lineage/crm.contacts", "edges/0", f"runs/{run_id}"}
    index = data["index"]
    assert [t["name"] for t in index["tables"]] == small.tables()
    assert index["runs"][0]["inputs"] == small.run(run_id).inputs
    people, contacts = data["tables/crm.people"], data["tables/crm.contacts"]
    assert [h["version"] for h in people["history"]] == [h.version for h in small.history("crm.people")]
    assert people["history"][0]["read_by"] == [run_id] and people["rows"] == 2
    tags = {c["name"]: (c["pii"], c["pii_from"]) for c in contacts["columns"]}
    assert tags["email"] == ("email", "lineage") and tags["country"] == (None, None)
    assert {c["name"]: c["pii_from"] for c in people["columns"]}["ip"] == "schema"
    edge = ["crm.people", "email", "crm.contacts", "email", "direct", "identity"]
    down = _walk(data, "crm.people", "down", "email")
    assert [e[:6] for e in down["edges"]] == [edge] and down["tables"] == ["crm.contacts"]
    assert down["runs"] == [run_id] and down["edge_count"] == 1
    assert edge in [e[:6] for e in _walk(data, "crm.contacts", "up", "email")["edges"]]
    assert set(data["lineage/crm.people"]["up"]) == {"*", *(c["name"] for c in people["columns"])}
    assert (people["edges_out"], contacts["edges_in"]) == (len(small.lineage.edges()),) * 2
    assert data[f"runs/{run_id}"]["reads"][0]["table"] == "crm.people"
    assert data["gdpr"]["tags"]["crm.contacts"] == {"email": {"kind": "email", "from": "lineage"}}
    assert data["gdpr"]["tags"]["crm.people"]["ip"] == {"kind": "ip", "from": "schema"}
    assert people["preview"] is None
    licence = (tmp_path / "site" / "vendor" / "LICENSE-vis-network.txt").read_text()
    assert "MIT" in licence and "Apache" in licence


def test_preview_masks_columns_tagged_as_personal_data(small: lk.Lake, tmp_path: Path) -> None:
    site.build(small, tmp_path / "site", preview=1)
    data = _built(tmp_path / "site")
    people, contacts = data["tables/crm.people"]["preview"], data["tables/crm.contacts"]["preview"]
    assert len(people["rows"]) == 1
    row = dict(zip(people["columns"], people["rows"][0], strict=True))
    assert row["country"] == "UK" and {row[c] for c in ("user_id", "email", "name", "ip")} == {MASK}
    assert [dict(zip(contacts["columns"], r, strict=True))["email"] for r in contacts["rows"]] == [MASK]


_WORD = st.text(st.characters(min_codepoint=ord("a"), max_codepoint=ord("z")), min_size=6, max_size=12)


@settings(max_examples=4, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_WORD, _WORD, st.integers(1, 254)), min_size=1, max_size=4, unique_by=lambda p: p[0]))
def test_no_personal_value_in_any_built_file(people: list[tuple[str, str, int]]) -> None:
    rows = [(i + 1, f"{a}@example.org", f"{b} {a}", f"10.9.8.{n}", "UK") for i, (a, b, n) in enumerate(people)]
    with tempfile.TemporaryDirectory() as folder:
        lake = people_lake(Path(folder), rows)
        site.build(lake, Path(folder) / "site", preview=10)
        text = "\n".join(p.read_text(encoding="utf-8") for p in (Path(folder) / "site").rglob("*") if p.is_file())
        assert lake.read("crm.people").num_rows == len(rows)
        assert [v for v in _personal(rows) if v in text] == []


def test_each_lineage_file_holds_the_lakes_own_walk_within_the_hop_limit(small: lk.Lake, tmp_path: Path) -> None:
    small.transform("crm.countries", "SELECT DISTINCT country FROM crm.contacts", dialect="duckdb")
    for hops in (1, 2, 6, None):  # None: no limit, the default
        site.build(small, tmp_path / "site", hops=hops)
        data = _built(tmp_path / "site")
        assert data["index"]["hops"] == hops
        for table in small.tables():
            for key, direction in (("down", "downstream"), ("up", "upstream")):
                for column in data[f"lineage/{table}"][key]:
                    walked = _walk(data, table, key, column)
                    ref = table if column == "*" else f"{table}.{column}"
                    graph = small.lineage.walks([(ref, direction)], hops)[0]
                    assert (walked["tables"], walked["runs"], walked["edge_count"], walked["edges"]) == \
                        (list(graph.tables), list(graph.runs), len(graph.edges),
                         [edge_row(e) for e in graph.edges]), (ref, direction, hops)
                    assert walked["hops"] == max(graph.hops, default=0) <= (hops or walked["hops"])
    assert _walk(data, "crm.people", "down", "country")["tables"] == ["crm.contacts", "crm.countries"]
    site.build(small, tmp_path / "site", hops=1)
    assert _walk(_built(tmp_path / "site"), "crm.people", "down", "country")["tables"] == ["crm.contacts"]


def dropped(lake: lk.Lake) -> lk.Lake:
    """``lake`` with crm.mail reading crm.contacts.email, then crm.contacts made again without it:
    the column is in the lineage (crm.mail's edges) but gone from its table."""
    lake.transform("crm.mail", "SELECT email FROM crm.contacts", dialect="duckdb")
    lake.transform("crm.contacts", "SELECT country FROM crm.people", dialect="duckdb")
    return lake


def test_a_column_its_table_dropped_keeps_its_lineage_page(small: lk.Lake, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    lake = dropped(small)
    monkeypatch.setattr(pages, "EDGE_CHUNK", 1)  # every edge in a file of its own: the walks name them across files
    site.build(lake, tmp_path / "site")
    data = _built(tmp_path / "site")
    assert "email" not in [c["name"] for c in data["tables/crm.contacts"]["columns"]]
    assert data["lineage/crm.contacts"]["gone"] == ["email"] and data["lineage/crm.people"]["gone"] == []
    walked = _walk(data, "crm.contacts", "down", "email")
    graph = lake.lineage.downstream("crm.contacts.email", hops=pages.HOPS)
    assert (walked["tables"], walked["edges"]) == (["crm.mail"], [edge_row(e) for e in graph.edges])
    assert len(graph.edges) == 1 and len([k for k in data if k.startswith("edges/")]) == len(lake.lineage.edges())


def test_a_table_gone_from_the_lake_keeps_its_lineage_page(small: lk.Lake, tmp_path: Path) -> None:
    lake = dropped(small)
    shutil.rmtree(lake._storage.uri("crm.mail"))  # its folder removed by hand: its lineage stays recorded
    site.build(lake, tmp_path / "site")
    data = _built(tmp_path / "site")
    assert "tables/crm.mail" not in data and data["lineage/crm.mail"]["dropped"] is True
    assert data["lineage/crm.mail"]["gone"] == ["email"] and "dropped" not in data["lineage/crm.contacts"]
    walked = _walk(data, "crm.mail", "up", "email")
    graph = lake.lineage.upstream("crm.mail.email", hops=pages.HOPS)
    assert (walked["tables"], walked["edges"]) == (["crm.contacts"], [edge_row(e) for e in graph.edges])


def test_a_walk_past_the_edge_limit_keeps_the_edges_nearest_its_column(small: lk.Lake, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    small.transform("crm.countries", "SELECT DISTINCT country FROM crm.contacts", dialect="duckdb")
    monkeypatch.setattr(pages, "EDGE_LIMIT", 1)
    site.build(small, tmp_path / "site")
    walked = _walk(_built(tmp_path / "site"), "crm.people", "down", "country")
    graph = small.lineage.downstream("crm.people.country")
    assert walked["edge_count"] == len(graph.edges) > 1 and graph.hops[0] == 2  # the first in order is far
    assert walked["edges"] == [edge_row(e) for e, hop in zip(graph.edges, graph.hops, strict=True) if hop == 1][:1]


def test_a_rebuild_replaces_its_site_but_never_a_foreign_folder(small: lk.Lake, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site.build(small, out)
    (out / "data" / "tables" / "gone.old.js").write_text("stale")
    site.build(small, out)
    assert not (out / "data" / "tables" / "gone.old.js").exists() and (out / "index.html").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(lk.UsageError, match="mine"):
        site.build(small, foreign)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging folder left


def test_a_failed_build_leaves_the_previous_site_as_it_was(small: lk.Lake, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site.build(small, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = site.gather(small)
    broken.tables["bad\0name"] = {}  # no file can be named so: writing it fails half-way
    with pytest.raises(ValueError, match="null"):
        site.write(broken, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_build_and_its_one_line_error(small: lk.Lake, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["docs", "build", "--lake", small.root, "--out", str(tmp_path / "site"), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["tables"] == 2
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x").write_text("")
    failed = runner.invoke(app, ["docs", "build", "--lake", small.root, "--out", str(tmp_path / "other")])
    assert failed.exit_code == 1
    assert failed.stderr.count("\n") == 1 and "lakekit did not write" in failed.stderr
    assert "Traceback" not in failed.output


def _serving(site_: Rebuilder) -> tuple[object, str]:
    site_.refresh()
    httpd = serve.server(site_.out, site_.refresh, site_.compare, 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def _get(url: str) -> str:
    with urllib.request.urlopen(url) as r:
        return r.read().decode()


def test_serve_rebuilds_a_page_load_only_when_the_lake_changed(small: lk.Lake, tmp_path: Path) -> None:
    served = Rebuilder(small, tmp_path / "site")
    httpd, base = _serving(served)
    try:
        assert httpd.server_address[0] == "127.0.0.1" and served.builds == 1
        assert "app.js" in _get(f"{base}/") and "app.js" in _get(f"{base}/index.html")
        assert served.builds == 1  # two page loads, the lake unchanged: no build
        small.transform("crm.countries", "SELECT DISTINCT country FROM crm.people", dialect="duckdb")
        assert "crm.countries" not in _get(f"{base}/data/index.js")  # a data file alone builds nothing
        _get(f"{base}/")
        assert "crm.countries" in _get(f"{base}/data/index.js") and served.builds == 2
        _get(f"{base}/")
        with small.start_run("churn") as run:
            run.read("crm.countries")
        _get(f"{base}/")  # a run is a change too (lakekit's own tables)
        assert served.builds == 3 and len(json.loads(_get(f"{base}/data/index.js").split(", ", 1)[1][:-3])["runs"]) == 2
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_serve_compares_any_two_runs_when_asked(small: lk.Lake, tmp_path: Path) -> None:
    with small.start_run("other") as run:
        run.read("crm.contacts")
    ids = small.runs().column("run_id").to_pylist()
    served = Rebuilder(small, tmp_path / "site")
    httpd, base = _serving(served)
    try:
        assert not (tmp_path / "site" / "data" / "compare").exists()  # no two runs of one name: none built
        text = _get(f"{base}/data/compare/{ids[1]}/{ids[0]}.js")
        compared = json.loads(text.split(", ", 1)[1][:-3])
        assert compared == json.loads(json.dumps(small.compare_runs(ids[1], ids[0]).asdict(), default=str))
        with pytest.raises(urllib.error.HTTPError) as missing:
            _get(f"{base}/data/compare/{ids[0]}/nosuchrun.js")
        assert missing.value.code == 404
        assert served.builds == 1
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_an_empty_lake_has_a_site(tmp_path: Path) -> None:
    site.build(lk.Lake(tmp_path / "lake"), tmp_path / "site")
    data = _built(tmp_path / "site")
    assert (data["index"]["tables"], data["index"]["runs"], data["gdpr"]["audit"]) == ([], [], [])


def test_a_port_in_use_is_a_one_line_error(small: lk.Lake, tmp_path: Path) -> None:
    taken = serve.server(tmp_path, lambda: None, lambda a, b: None, 0)
    try:
        port = taken.server_address[1]
        with pytest.raises(lk.UsageError, match=f"cannot serve on 127.0.0.1:{port}"):
            serve.server(tmp_path, lambda: None, lambda a, b: None, port)
        failed = CliRunner().invoke(app, ["docs", "serve", "--lake", small.root, "--out", str(tmp_path / "site"),
                                          "--port", str(port)])
        assert failed.exit_code == 1 and "Traceback" not in failed.output
        assert failed.stderr.strip() == f"error: cannot serve on 127.0.0.1:{port}: Address already in use"
    finally:
        taken.server_close()
