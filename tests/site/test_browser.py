"""The running example's site in a real headless browser (Debian's chromium): served on 127.0.0.1
and opened from file://, nothing requested anywhere else; a screenshot of each page is kept
under the test's temporary folder (``screens/``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import lakekit as lk
from examples import demo
from lakekit import site
from lakekit.site import serve
from lakekit.site.pages import MASK
from tests.site import browser

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
    site.build(lake, out, preview=PREVIEW)
    httpd = serve.server(out, lambda: site.build(lake, out, preview=PREVIEW), 0)
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

        for name, hash_ in (("runs", "#/runs"), ("gdpr", "#/gdpr")):
            page.goto(built.url + hash_)
            page.wait_for_selector("h1")
            page.screenshot(path=built.screens / f"{name}.png", full_page=True)
        later, first = (r["run_id"] for r in lake.runs("job-seeker").to_pylist()[:2])  # newest first
        page.goto(f"{built.url}#/compare/{first}/{later}")
        page.wait_for_selector("table")
        assert "row changes" in page.inner_text("main")
        page.screenshot(path=built.screens / "compare.png", full_page=True)
    assert requested and all(u.startswith(built.url) for u in requested), \
        [u for u in requested if not u.startswith(built.url)]
    assert {p.name for p in built.screens.iterdir()} >= {"tables.png", "lineage-raw.spam_ips.ip.png",
                                                         "run-job-seeker.png"}


def test_the_pages_walk_as_the_lake_does(built: Built, tmp_path: Path) -> None:
    """Opened from file:// (no server): each column's walk in the page reaches the tables and runs
    lake.lineage reaches, downstream of every raw column and upstream of every features.persons column."""
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
            table, column = ref.rsplit(".", 1)
            walked = page.evaluate("async ([t, c, d]) => { const g = await walk(t, c, d); "
                                   "return [g.tables, g.runs.map(r => r.run_id)]; }", [table, column, direction])
            graph = lake.lineage.downstream(ref) if direction == "down" else lake.lineage.upstream(ref)
            assert (walked[0], set(walked[1])) == (list(graph.tables), set(graph.runs)), ref
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
