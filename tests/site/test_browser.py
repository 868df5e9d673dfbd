"""The running example's site in a real headless browser (Debian's chromium): served on 127.0.0.1
and opened from file://, nothing requested anywhere else; a screenshot of each page is kept
under the test's temporary folder (``screens/``). The graph's nodes are clicked where the page
draws them (on its canvas), columns searched, and two runs picked and compared."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import lakekit as lk
from examples import demo
from lakekit import site
from lakekit.site import Rebuilder, serve
from lakekit.site.pages import HOPS, MASK
from tests.site import browser
from tests.site.test_site import dropped, people_lake

pytestmark = pytest.mark.slow
PREVIEW = 5


@dataclass(frozen=True)
class Built:
    lake: lk.Lake
    out: Path
    url: str
    screens: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    browser.require()
    folder = tmp_path_factory.mktemp("demo-site")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(Path(demo.__file__).parent.parent)  # the models run as `python -m examples.models`
        demo.main(["--lake", str(folder / "lake"), "--data", str(folder / "data"), "--users", "300"])
    lake = demo.PROJECT.open(str(folder / "lake"))
    out = folder / "site"
    served = Rebuilder(lake, out, preview=PREVIEW)
    served.refresh()
    httpd = serve.server(out, served.refresh, served.compare, 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    screens = folder / "screens"
    screens.mkdir()
    try:
        yield Built(lake, out, f"http://127.0.0.1:{httpd.server_address[1]}/", screens)
    finally:
        httpd.shutdown()
        httpd.server_close()


def _runs_by_name(lake: lk.Lake, ids: set[str]) -> set[str]:
    return {r["name"] for r in lake.runs().to_pylist() if r["run_id"] in ids}


def test_tables_lineage_and_runs_pages(built: Built, tmp_path: Path) -> None:
    lake = built.lake
    with browser.page(tmp_path / "profile") as (page, requested):
        page.goto(built.url)
        page.wait_for_selector("#tables tbody tr")
        assert page.locator("#tables tbody tr").evaluate_all("rows => rows.map(r => r.dataset.table)") == \
            lake.tables()
        page.screenshot(path=built.screens / "tables.png", full_page=True)

        page.click("#tables a:text-is('raw.spam_ips')")
        page.wait_for_selector("#history li")
        versions = page.locator("#history > li").evaluate_all("items => items.map(i => i.id)")
        assert versions == [f"v{h.version}" for h in lake.history("raw.spam_ips")]
        assert "PII ip" in page.locator("#schema tr[data-column=ip]").inner_text()
        page.screenshot(path=built.screens / "table-raw.spam_ips.png", full_page=True)

        page.click("#schema tr[data-column=ip] a.column-link")  # one click: downstream of raw.spam_ips.ip
        page.wait_for_selector("#reached-runs li")
        shown = set(page.locator("#reached-runs li").evaluate_all("items => items.map(i => i.dataset.run)"))
        expected = set(lake.lineage.downstream("raw.spam_ips.ip").runs)
        assert shown == expected
        assert _runs_by_name(lake, shown) == {"anti-spam", "id-merge", "job-seeker"}
        assert page.locator("#graph canvas").count() == 1
        page.screenshot(path=built.screens / "lineage-raw.spam_ips.ip.png", full_page=True)

        page.click("#reached-runs li[data-name=job-seeker] a >> nth=0")
        page.wait_for_selector("#run-inputs tbody tr")
        run_id = re.sub(r"^.*#/run/", "", page.url)
        inputs = page.locator("#run-inputs tbody tr").evaluate_all("rows => rows.map(r => r.dataset.input)")
        assert inputs == [f"{r.table}@{r.version}" for r in lake.run(run_id).reads]
        page.screenshot(path=built.screens / "run-job-seeker.png", full_page=True)

        for name, title in (("runs", "Runs"), ("gdpr", "GDPR")):
            page.goto(f"{built.url}#/{name}")
            page.wait_for_selector(f"h1:text-is('{title}')")
            page.screenshot(path=built.screens / f"{name}.png", full_page=True)
        later, first = (r["run_id"] for r in lake.runs("job-seeker").to_pylist()[:2])  # newest first
        page.goto(f"{built.url}#/compare/{first}/{later}")  # a hash change: the GDPR page's table stays until it draws
        page.wait_for_selector("h1:text-is('Compare runs')")
        page.wait_for_selector("#compare-inputs")
        assert "row changes" in page.inner_text("main")
        page.screenshot(path=built.screens / "compare.png", full_page=True)
    assert requested and all(u.startswith(built.url) for u in requested), \
        [u for u in requested if not u.startswith(built.url)]
    assert {p.name for p in built.screens.iterdir()} >= {"tables.png", "lineage-raw.spam_ips.ip.png",
                                                         "run-job-seeker.png"}


def _click_node(page: object, node: str) -> None:
    """Click the graph's node ``node`` where the page draws it (the canvas moved to show it first)."""
    spot = page.evaluate("""(id) => {
        const g = window.lineageGraph, at = g.getPositions([id])[id];
        g.moveTo({ position: at, scale: 1, animation: false });
        const p = g.canvasToDOM(at), box = document.querySelector("#graph").getBoundingClientRect();
        return [box.left + p.x, box.top + p.y]; }""", node)
    page.mouse.click(*spot)


def _reached(page: object) -> tuple[list[str], set[str]]:
    return (page.locator("#reached-tables li").evaluate_all("items => items.map(i => i.dataset.table)"),
            set(page.locator("#reached-runs li").evaluate_all("items => items.map(i => i.dataset.run)")))


def test_clicking_graph_nodes_searching_and_comparing_any_two_runs(built: Built, tmp_path: Path) -> None:
    lake = built.lake
    with browser.page(tmp_path / "profile") as (page, requested):
        page.goto(f"{built.url}#/lineage/raw.spam_ips/down")  # the whole table's downstream: ip is a node
        page.wait_for_selector("#graph canvas")
        _click_node(page, "raw.spam_ips.ip")
        page.wait_for_url("**#/lineage/raw.spam_ips.ip/down")
        page.wait_for_selector("h1:text-is('Downstream of raw.spam_ips.ip')")
        tables, runs = _reached(page)
        graph = lake.lineage.downstream("raw.spam_ips.ip")
        assert (tables, runs) == (list(graph.tables), set(graph.runs))  # the demo lies within the hop limit
        assert _runs_by_name(lake, runs) == {"anti-spam", "id-merge", "job-seeker"}
        page.screenshot(path=built.screens / "lineage-clicked-raw.spam_ips.ip.png", full_page=True)

        job_seeker = lake.runs("job-seeker").column("run_id")[0].as_py()
        _click_node(page, f"r:{job_seeker}")  # a run's node opens the run
        page.wait_for_selector("#run-inputs tbody tr")
        assert page.url.endswith(f"#/run/{job_seeker}")

        page.goto(f"{built.url}#/lineage")
        page.fill("#column-search", "raw.users.email")
        page.press("#column-search", "Enter")
        page.wait_for_selector("h1:text-is('Downstream of raw.users.email')")
        graph = lake.lineage.downstream("raw.users.email", hops=HOPS)
        assert _reached(page) == (list(graph.tables), set(graph.runs))
        page.screenshot(path=built.screens / "lineage-searched-raw.users.email.png", full_page=True)

        oldest = lake.runs("job-seeker").column("run_id")[-1].as_py()  # two runs apart: compared when asked
        assert not (built.out / "data" / "compare" / oldest / f"{job_seeker}.js").exists()
        page.goto(f"{built.url}#/runs")
        page.select_option("#compare-a", oldest)
        page.select_option("#compare-b", job_seeker)
        page.click("#compare-go")
        page.wait_for_selector("#compare-inputs")
        compared = lake.compare_runs(oldest, job_seeker)
        shown = dict(page.locator("#compare-inputs tbody tr").evaluate_all(
            "rows => rows.map(r => [r.dataset.key, r.cells[3].textContent])"))
        expected = dict.fromkeys(lake.run(oldest).inputs | lake.run(job_seeker).inputs, "")
        expected |= {c.table: f"+{c.rows.added} \N{MINUS SIGN}{c.rows.removed} ~{c.rows.changed}" if c.rows
                     else c.not_compared or "" for c in compared.inputs}
        assert shown == expected and any(v.startswith("+") for v in shown.values())
        page.screenshot(path=built.screens / "compare-any-two.png", full_page=True)

        page.goto(f"{built.url}#/features")
        page.wait_for_selector("#features tr[data-view=activity]")
        page.goto(f"{built.url}#/table/raw.users")
        page.wait_for_selector("#history li")
        assert f"{lake.quarantine('raw.users').num_rows} quarantined" in page.inner_text("#history")
        page.screenshot(path=built.screens / "table-raw.users.png", full_page=True)
    assert requested and all(u.startswith(built.url) for u in requested), \
        [u for u in requested if not u.startswith(built.url)]


def test_from_file_the_lineage_pages_show_the_lakes_walks(built: Built, tmp_path: Path) -> None:
    """Opened from file:// (no server): downstream of every raw column and upstream of every
    features.persons column, the page lists the tables and runs lake.lineage reaches (the
    running example lies within the default hop limit)."""
    lake = built.lake
    def columns(table: str) -> list[str]:
        return lake.sql(f"SELECT * FROM {table} LIMIT 0").column_names

    refs = [(f"{t}.{c}", "down") for t in lake.tables() if t.startswith("raw.") for c in columns(t)]
    refs += [(f"features.persons.{c}", "up") for c in columns("features.persons")]
    with browser.page(tmp_path / "profile") as (page, requested):
        index = (built.out / "index.html").as_uri()
        page.goto(index)
        page.wait_for_selector("#tables tbody tr")
        for ref, direction in refs:
            page.goto(f"{index}#/lineage/{ref}/{direction}")
            page.wait_for_selector(f"h1:text-is('{'Downstream' if direction == 'down' else 'Upstream'} of {ref}')")
            page.wait_for_selector("#edge-count")
            graph = lake.lineage.downstream(ref) if direction == "down" else lake.lineage.upstream(ref)
            assert _reached(page) == (list(graph.tables), set(graph.runs)), ref  # whole within the default hops
    assert all(u.startswith("file://") for u in requested), [u for u in requested if not u.startswith("file://")]


def test_no_personal_value_in_any_built_file(built: Built) -> None:
    lake = built.lake
    values: set[str] = set()
    for table, columns in lake.gdpr.tags().items():
        for column in columns:
            values |= {str(v) for v in lake.read(table, columns=[column]).column(column).to_pylist() if v is not None}
    assert any("@" in v for v in values) and len(values) > 100  # e-mails, names, IPs, user ids of the demo
    text = "\n".join(p.read_text(encoding="utf-8") for p in built.out.rglob("*") if p.suffix in (".js", ".html")
                     and "vendor" not in p.parts)
    tokens = set(re.findall(r"[\w.@+-]+", text)) | set(re.findall(r"[^\"]+", text))
    assert sorted(values & tokens) == []
    preview = (built.out / "data" / "tables" / "raw.users.js").read_text(encoding="utf-8")
    assert preview.count(MASK) >= PREVIEW * 4  # user_id, email, full_name, signup_ip masked


def test_a_dropped_table_a_dropped_column_and_a_walk_cut_by_the_hop_limit_say_so(tmp_path: Path) -> None:
    browser.require()
    lake = dropped(people_lake(tmp_path))
    shutil.rmtree(lake._storage.uri("crm.mail"))  # a table gone from the lake: its lineage is still recorded
    site.build(lake, tmp_path / "site")
    index = (tmp_path / "site" / "index.html").as_uri()
    with browser.page(tmp_path / "profile") as (page, requested):
        page.goto(f"{index}#/lineage/crm.mail.email/up")
        page.wait_for_selector("#table-dropped")
        assert _reached(page)[0] == list(lake.lineage.upstream("crm.mail.email").tables) == ["crm.contacts"]
        page.goto(f"{index}#/lineage/crm.contacts.email/down")
        page.wait_for_selector("#column-gone")
        assert "no longer exists in the current version of crm.contacts" in page.inner_text("#column-gone")
        assert _reached(page)[0] == list(lake.lineage.downstream("crm.contacts.email").tables) == ["crm.mail"]
        page.screenshot(path=tmp_path / "lineage-dropped-column.png", full_page=True)
        page.goto(f"{index}#/lineage/crm.contacts.country/down")
        page.wait_for_selector("h1:text-is('Downstream of crm.contacts.country')")
        page.wait_for_selector("#edge-count")
        assert page.locator("#column-gone").count() == 0 and "not shown" not in page.inner_text("#edge-count")
        site.build(lake, tmp_path / "near", hops=1)  # one hop: the edge into crm.contacts, the run reading crm.people
        page.goto(f"{(tmp_path / 'near' / 'index.html').as_uri()}#/lineage/crm.people.country/down")
        page.wait_for_selector("#edge-count")
        assert "1 column edge(s), the furthest 1 hop(s) away (the site's limit: more hops not shown)" in \
            page.inner_text("#edge-count")
        graph = lake.lineage.downstream("crm.people.country", hops=1)
        assert _reached(page) == (list(graph.tables), set(graph.runs)) and graph.tables == ("crm.contacts",)
    assert all(u.startswith("file://") for u in requested)
