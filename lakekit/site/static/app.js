/* lakekit docs: the pages of a built site, drawn from its data files (data/*.js).
 *
 * Each data file is one call LK.put(key, value); a page loads the files it shows, when it shows
 * them (a table's file holds its schema and history). A table's lineage file holds the walks
 * lakekit made at build time (lake.lineage, within the site's hop limit if it has one) up- and
 * downstream of each of its columns, naming edges by number: the page loads the chunks of edges
 * holding them (data/edges/<n>.js), draws them and walks nothing itself.
 * Everything is written into the page as text (textContent), never as HTML.
 */
"use strict";

const LK = (() => {
  const store = new Map();
  const waiting = new Map();

  function put(key, value) {
    store.set(key, value);
    for (const [resolve] of waiting.get(key) || []) resolve(value);
    waiting.delete(key);
    if (key === "index") route();
  }

  function load(key) {
    if (store.has(key)) return Promise.resolve(store.get(key));
    return new Promise((resolve, reject) => {
      if (!waiting.has(key)) {
        waiting.set(key, []);
        const script = document.createElement("script");
        script.src = "data/" + key.split("/").map(encodeURIComponent).join("/") + ".js";
        script.onerror = () => {
          for (const [, fail] of waiting.get(key) || []) fail(new Error("no data file for " + key));
          waiting.delete(key);
        };
        document.head.appendChild(script);
      }
      waiting.get(key).push([resolve, reject]);
    });
  }

  return { put, load, get: (key) => store.get(key) };
})();

/* ---------- DOM helpers ---------- */

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function link(href, text, attrs) {
  return el("a", { href, ...(attrs || {}) }, text);
}

function table(head, rows, attrs) {
  return el("table", attrs || {},
    el("thead", {}, el("tr", {}, head.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows));
}

function badge(text, kind) {
  return el("span", { class: "badge " + (kind || String(text).split(" ")[0]) }, text);
}

function json(value) {
  return el("pre", { class: "json" }, JSON.stringify(value, null, 2));
}

function show(...children) {
  const page = document.getElementById("page");
  page.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return page;
}

function tableHref(name, version) {
  return "#/table/" + encodeURIComponent(name) + (version === undefined ? "" : "/" + version);
}

function runHref(id) {
  return "#/run/" + encodeURIComponent(id);
}

function lineageHref(ref, dir) {
  return "#/lineage/" + encodeURIComponent(ref) + "/" + (dir || "down");
}

function runName(id) {
  const run = LK.get("index").runs.find((r) => r.run_id === id);
  return run ? run.name : id;
}

function pins(versions) {
  return Object.entries(versions || {}).sort().map(([t, v]) => link(tableHref(t, v), t + "@" + v));
}

function joined(nodes, sep) {
  return nodes.flatMap((n, i) => (i ? [sep || ", ", n] : [n]));
}

/* ---------- routing ---------- */

const ROUTES = [
  [/^#\/table\/([^/]+)(?:\/(\d+))?$/, (m) => tablePage(decodeURIComponent(m[1]), m[2])],
  [/^#\/lineage\/([^/]+)\/(up|down)$/, (m) => lineagePage(decodeURIComponent(m[1]), m[2])],
  [/^#\/lineage$/, () => lineagePage(null, "down")],
  [/^#\/runs$/, () => runsPage()],
  [/^#\/run\/([^/]+)$/, (m) => runPage(decodeURIComponent(m[1]))],
  [/^#\/compare\/([^/]+)\/([^/]+)$/, (m) => comparePage(decodeURIComponent(m[1]), decodeURIComponent(m[2]))],
  [/^#\/features$/, () => featuresPage()],
  [/^#\/gdpr$/, () => gdprPage()],
];

function route() {
  if (!LK.get("index")) return;
  const hash = location.hash || "#/tables";
  const found = ROUTES.find(([pattern]) => pattern.test(hash));
  const render = found ? found[1](hash.match(found[0])) : tablesPage();
  Promise.resolve(render).catch((e) => show(el("p", { class: "error" }, String(e.message || e))));
}

window.addEventListener("hashchange", route);

/* ---------- tables ---------- */

function tablesPage() {
  const index = LK.get("index");
  const filter = el("input", { type: "search", id: "table-filter", placeholder: "filter tables" });
  const rows = index.tables.map((t) => el("tr", { "data-table": t.name },
    el("td", {}, link(tableHref(t.name), t.name)),
    el("td", {}, t.namespace),
    el("td", { class: "num" }, t.version),
    el("td", { class: "num" }, t.rows),
    el("td", {}, badge(t.verdict || "none")),
    el("td", { class: "num" }, t.quarantined),
    el("td", {}, t.pii.join(", "))));
  filter.addEventListener("input", () => {
    for (const row of rows) row.hidden = !row.dataset.table.includes(filter.value.trim().toLowerCase());
  });
  show(el("h1", {}, "Tables"),
    el("p", {}, index.tables.length + " tables, " + index.runs.length + " runs; built by lakekit " + index.lakekit
      + (index.preview ? "; previews of " + index.preview + " rows, personal data masked" : "; no previews")),
    filter,
    table(["table", "namespace", "version", "rows", "validation", "quarantined", "personal data"], rows,
      { id: "tables" }));
}

async function tablePage(name, version) {
  const t = await LK.load("tables/" + name);
  show(el("h1", {}, t.name),
    el("p", { class: "facts" },
      "namespace " + t.namespace + " · version " + t.version + " · " + t.rows + " rows · " + t.quarantined
      + " quarantined · schema " + (t.schema_name || "none")),
    el("h2", {}, "Schema"),
    table(["column", "type", "personal data", "lineage"], t.columns.map((c) => el("tr", { "data-column": c.name },
      el("td", {}, c.name),
      el("td", {}, c.type),
      el("td", {}, c.pii ? [badge("PII " + c.pii, "pii"), " from " + c.pii_from] : ""),
      el("td", {},
        link(lineageHref(t.name + "." + c.name, "down"), "downstream", { class: "column-link" }), " · ",
        link(lineageHref(t.name + "." + c.name, "up"), "upstream")))), { id: "schema" }),
    el("p", {}, t.edges_in + " column edge(s) in, " + t.edges_out + " out · ",
      link(lineageHref(t.name, "down"), "downstream of the table"), " · ", link(lineageHref(t.name, "up"), "upstream")),
    t.features.length ? el("p", { id: "table-features" }, "feature views: ",
      joined(t.features.map((f) => link("#/features", f)))) : null,
    el("h2", {}, "History"),
    el("ol", { class: "timeline", id: "history" }, t.history.map((h) => versionItem(t, h, version))),
    t.preview ? [el("h2", {}, "Preview (personal data masked)"),
      table(t.preview.columns, t.preview.rows.map((r) => el("tr", {}, r.map((v) => el("td", {}, v)))),
        { id: "preview" })] : el("p", { class: "muted" }, "No preview (lakekit docs build --preview N)."));
  if (version !== undefined) {
    const item = document.getElementById("v" + version);
    if (item) item.scrollIntoView();
  }
}

function versionItem(t, h, focus) {
  const p = h.provenance || {};
  const facts = [];
  if (p.operation) facts.push(p.operation + (p.mode ? " (" + p.mode + ")" : ""));
  if (p.load_id) facts.push("load " + p.load_id);
  if (p.job) facts.push("job " + p.job);
  if (p.git_commit) facts.push("code " + p.git_commit.slice(0, 12) + (p.git_dirty ? " (dirty)" : ""));
  if (p.lakekit_version) facts.push("lakekit " + p.lakekit_version);
  const files = (p.files || []).map((f) => el("li", {}, f.uri + " " + (f.checksum || "").slice(0, 19)));
  return el("li", { id: "v" + h.version, class: String(h.version) === focus ? "focus" : null },
    el("div", {}, el("strong", {}, "v" + h.version), " " + h.operation + " · " + h.timestamp + " · ",
      badge(h.validation, h.verdict),
      h.rows_added !== null ? " +" + h.rows_added : "", h.rows_removed ? " −" + h.rows_removed : "",
      h.quarantined ? [" · ", badge(h.quarantined + " quarantined", "quarantined")] : ""),
    el("div", { class: "muted" }, facts.join(" · ")),
    files.length ? el("ul", { class: "files" }, files) : null,
    p.inputs ? el("div", {}, "inputs ", joined(pins(p.inputs))) : null,
    p.run_id ? el("div", {}, "written by run ", link(runHref(p.run_id), runName(p.run_id))) : null,
    h.read_by.length ? el("div", { class: "read-by" }, "read by ",
      joined(h.read_by.map((id) => link(runHref(id), runName(id) + " " + id)))) : null,
    el("details", {}, el("summary", {}, "provenance record"), json(p)));
}

/* ---------- lineage ---------- */

async function walked(table, column, dir) {
  const page = await LK.load("lineage/" + table);
  const walk = page[dir][column];
  if (!walk) throw new Error("no column " + column + " in " + table + " or its lineage");
  const index = LK.get("index"), names = index.lineage.tables, size = index.lineage.chunk;
  const numbers = [...new Set(walk.edges.map((i) => Math.floor(i / size)))];
  const chunks = new Map(await Promise.all(numbers.map(async (n) => [n, await LK.load("edges/" + n)])));
  const edge = (i) => {
    const chunk = chunks.get(Math.floor(i / size)), e = chunk.rows[i % size].slice();
    e[0] = names[e[0]]; e[2] = names[e[2]]; e[8] = chunk.transforms[e[8]];
    return e;
  };
  return { edge_count: walk.edge_count, hops: walk.hops, tables: walk.tables.map((i) => names[i]),
    edges: walk.edges.map(edge),
    runs: walk.runs.map((id) => index.runs.find((r) => r.run_id === id)).filter(Boolean),
    gone: column !== "*" && page.gone.includes(column), dropped: Boolean(page.dropped) };
}

function columnSearch(dir) {
  const index = LK.get("index");
  const list = el("datalist", { id: "all-columns" },
    index.tables.flatMap((t) => t.columns.map((c) => el("option", { value: t.name + "." + c }))));
  const input = el("input", { type: "search", id: "column-search", list: "all-columns",
    placeholder: "search a column: namespace.table.column" });
  const go = () => { if (input.value.trim()) location.hash = lineageHref(input.value.trim(), dir); };
  input.addEventListener("change", go);
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
  return el("div", { class: "search" }, input, list);
}

async function lineagePage(ref, dir) {
  if (!ref) {
    show(el("h1", {}, "Lineage"), columnSearch(dir),
      el("p", {}, "Pick a column to see what feeds it (upstream) or what it feeds (downstream), or open a "
        + "table and follow a column's links."));
    return;
  }
  const parts = ref.split(".");
  const tableName = parts.slice(0, 2).join("."), column = parts.length > 2 ? parts.slice(2).join(".") : "*";
  show(el("h1", {}, (dir === "up" ? "Upstream of " : "Downstream of ") + ref), el("p", {}, "loading…"));
  const graph = await walked(tableName, column, dir);
  const canvas = el("div", { id: "graph" });
  const index = LK.get("index");
  show(el("h1", {}, (dir === "up" ? "Upstream of " : "Downstream of ") + ref),
    el("p", {},
      link(lineageHref(ref, dir === "up" ? "down" : "up"), dir === "up" ? "show downstream" : "show upstream"),
      graph.dropped ? null : [" · ", link(tableHref(tableName), "table " + tableName)]),
    graph.dropped ? el("p", { class: "note", id: "table-dropped" }, "The table " + tableName + " is no longer in "
      + "the lake; its lineage as recorded:")
      : graph.gone ? el("p", { class: "note", id: "column-gone" }, "The column " + column + " no longer exists in "
      + "the current version of " + tableName + " (a later version dropped it); its lineage as recorded:") : null,
    columnSearch(dir),
    el("div", { class: "lineage" },
      canvas,
      el("aside", {},
        el("h2", {}, "Runs"),
        el("ul", { id: "reached-runs" }, graph.runs.map((r) => el("li", { "data-run": r.run_id, "data-name": r.name },
          link(runHref(r.run_id), r.name), " ", el("span", { class: "muted" }, r.run_id),
          r.stale ? [" ", badge("stale")] : null))),
        el("h2", {}, "Tables"),
        el("ul", { id: "reached-tables" }, graph.tables.map((t) => el("li", { "data-table": t },
          link(tableHref(t), t)))),
        el("p", { class: "muted", id: "edge-count" }, graph.edge_count + " column edge(s), the furthest "
          + graph.hops + " hop(s) away"
          + (index.hops !== null && graph.hops >= index.hops ? " (the site's limit: more hops not shown)" : "")
          + (graph.edge_count > graph.edges.length ? "; the graph draws the nearest " + graph.edges.length : "")
          + "; click a column to follow it further"),
        el("p", { class: "legend" }, "solid: direct (values) · dashed: indirect (join, filter, group by, window, "
          + "conditional) · boxes: transforms · diamonds: model runs"))));
  draw(canvas, ref, graph.edges, graph.runs, dir);
}

function draw(canvas, focus, edges, runs, dir) {
  if (typeof vis === "undefined") return;
  const nodes = new Map(), links = new Map();
  const node = (id, label, extra) => { if (!nodes.has(id)) nodes.set(id, { id, label, ...extra }); };
  const arrow = (from, to, extra) => { const id = from + ">" + to; if (!links.has(id)) links.set(id, { id, from, to,
    arrows: "to", ...extra }); };
  const focusId = focus.split(".").length > 2 ? focus : focus + ".*";
  for (const e of edges) {
    const [st, sc, tt, tc, kind, subtype, sv, tv, tid] = e;
    const indirect = kind === "indirect";
    node(st + "." + sc, st + "\n" + sc, { group: st.split(".")[0], shape: "ellipse" });
    node(tt + "." + tc, tt + "\n" + tc, { group: tt.split(".")[0], shape: "ellipse" });
    node("x:" + tid, "transform → " + tt + "@" + tv, { shape: "box", color: "#eeeeee" });
    const style = { dashes: indirect, title: kind + " / " + subtype, color: indirect ? "#c77" : "#557" };
    arrow(st + "." + sc, "x:" + tid, { ...style, label: sv === null ? "" : "v" + sv });
    arrow("x:" + tid, tt + "." + tc, { ...style, label: "v" + tv });
  }
  const tableNode = (t) => {
    node("t:" + t, t, { shape: "database", group: t.split(".")[0] });
    for (const id of nodes.keys()) {
      if (!id.startsWith(t + ".")) continue;
      if (dir === "up") arrow("t:" + t, id, { color: "#bbb", dashes: [1, 3] });
      else arrow(id, "t:" + t, { color: "#bbb", dashes: [1, 3] });
    }
  };
  const reached = new Set(edges.flatMap((e) => [e[0], e[2]]).concat([focus.split(".").slice(0, 2).join(".")]));
  for (const r of runs) {
    node("r:" + r.run_id, r.name, { shape: "diamond", color: "#f0c040", title: r.run_id });
    for (const [t, v] of Object.entries(r.inputs)) {
      if (dir === "down" && !reached.has(t) && !runs.some((o) => t in o.outputs)) continue;
      tableNode(t);
      arrow("t:" + t, "r:" + r.run_id, { label: "@" + v, dashes: [2, 4] });
    }
    for (const [t, v] of Object.entries(r.outputs)) {
      if (dir === "up" && !reached.has(t) && !runs.some((o) => t in o.inputs)) continue;
      tableNode(t);
      arrow("r:" + r.run_id, "t:" + t, { label: "@" + v, dashes: [2, 4] });
    }
  }
  if (nodes.has(focusId)) nodes.get(focusId).borderWidth = 4;
  const network = new vis.Network(canvas,
    { nodes: new vis.DataSet([...nodes.values()]), edges: new vis.DataSet([...links.values()]) },
    { layout: { hierarchical: { direction: "LR", sortMethod: "directed", levelSeparation: 220 } },
      physics: false, interaction: { hover: true, navigationButtons: false, keyboard: true },
      edges: { font: { size: 10, align: "middle" }, smooth: { type: "cubicBezier" } } });
  window.lineageGraph = network; // the graph drawn now, for scripts driving the page (the browser test clicks its nodes)
  network.on("click", (params) => {
    const id = params.nodes[0];
    if (!id) return;
    if (id.startsWith("r:")) location.hash = runHref(id.slice(2));
    else if (id.startsWith("t:")) location.hash = tableHref(id.slice(2));
    else if (!id.startsWith("x:")) location.hash = lineageHref(id.endsWith(".*") ? id.slice(0, -2) : id, dir);
  });
}

/* ---------- runs ---------- */

function runPicker(a, b) {
  const runs = LK.get("index").runs;
  const pick = (id, chosen) => el("select", { id }, runs.map((r) => el("option", { value: r.run_id,
    selected: r.run_id === chosen }, r.name + " " + r.run_id)));
  const first = pick("compare-a", a), second = pick("compare-b", b);
  if (!b && runs.length > 1) second.selectedIndex = 1;
  return el("p", { class: "picker" }, first, " ", second, " ",
    el("button", { id: "compare-go", onclick: () => { location.hash = "#/compare/" + encodeURIComponent(first.value)
      + "/" + encodeURIComponent(second.value); } }, "compare"));
}

function runsPage() {
  const index = LK.get("index");
  show(el("h1", {}, "Runs"),
    table(["run", "id", "status", "started", "inputs", "outputs", "stale"], index.runs.map((r) =>
      el("tr", { "data-run": r.run_id },
        el("td", {}, link(runHref(r.run_id), r.name)), el("td", {}, r.run_id), el("td", {}, badge(r.status)),
        el("td", {}, r.started_at), el("td", {}, joined(pins(r.inputs))), el("td", {}, joined(pins(r.outputs))),
        el("td", {}, r.stale ? badge("stale") : ""))), { id: "runs" }),
    el("h2", {}, "Compare two runs"),
    runPicker());
}

function keyValues(title, values, id) {
  const entries = Object.entries(values || {});
  return [el("h2", {}, title), entries.length
    ? table(["name", "value"], entries.map(([k, v]) => el("tr", {}, el("td", {}, k),
      el("td", {}, typeof v === "object" ? JSON.stringify(v) : v))), { id })
    : el("p", { class: "muted", id }, "none")];
}

async function runPage(id) {
  const r = await LK.load("runs/" + id);
  show(el("h1", {}, "Run " + r.name),
    el("p", { class: "facts" }, r.run_id + " · ", badge(r.status), " · started " + r.started_at
      + (r.ended_at ? " · ended " + r.ended_at : ""), r.stale.length ? [" · ", badge("stale")] : ""),
    r.error ? el("p", { class: "error" }, r.error) : null,
    el("h2", {}, "Inputs"),
    table(["table@version", "columns", "filter", "rows", "fingerprint"], r.reads.map((x) =>
      el("tr", { "data-input": x.table + "@" + x.version },
        el("td", {}, link(tableHref(x.table, x.version), x.table + "@" + x.version)),
        el("td", {}, x.columns ? x.columns.join(", ") : "all"),
        el("td", {}, x.filter ? JSON.stringify(x.filter) : ""),
        el("td", { class: "num" }, x.rows), el("td", { class: "mono" }, x.fingerprint))), { id: "run-inputs" }),
    keyValues("Params", r.params, "run-params"),
    keyValues("Metrics", r.metrics, "run-metrics"),
    el("h2", {}, "Artifacts"),
    el("ul", {}, r.artifacts.map((a) => el("li", {}, a.path + " (" + a.size + " bytes, " + a.sha256 + ")"))),
    el("h2", {}, "Outputs"),
    el("p", { id: "run-outputs" }, joined(pins(r.outputs))),
    el("h2", {}, "Stale?"),
    r.stale.length ? el("ul", { id: "run-stale" }, r.stale.map((s) => el("li", {},
      "read " + s.table + "@" + s.version_read + ", now @" + s.newest_version + ": " + s.produced_by.operation
      + " by " + s.produced_by.by))) : el("p", { id: "run-stale" }, "no: every input is at the version it read"),
    r.previous ? [el("h2", {}, "Against the previous " + r.name + " run"),
      el("p", {}, link("#/compare/" + encodeURIComponent(r.previous) + "/" + encodeURIComponent(r.run_id),
        "side by side with " + r.previous))] : null,
    el("details", {}, el("summary", {}, "command and environment"), json({ command: r.command,
      environment: r.environment, tags: r.tags })));
}

async function comparePage(a, b) {
  const [ra, rb] = await Promise.all([LK.load("runs/" + a), LK.load("runs/" + b)]);
  const compared = await LK.load("compare/" + a + "/" + b).catch(() => null);
  const changes = new Map((compared ? compared.inputs : []).map((c) => [c.table, c]));
  const names = (x, y) => [...new Set([...Object.keys(x || {}), ...Object.keys(y || {})])].sort();
  const side = (title, x, y, extra, id) => [el("h2", {}, title), table(["", ra.name + " " + a, rb.name + " " + b,
    ...(extra ? [extra[0]] : [])], names(x, y).map((k) => el("tr", { "data-key": k, class: JSON.stringify(x[k])
    === JSON.stringify(y[k]) ? "same" : "differs" }, el("td", {}, k), el("td", {}, JSON.stringify(x[k] ?? null)),
    el("td", {}, JSON.stringify(y[k] ?? null)), extra ? el("td", {}, extra[1](k)) : null)), { id })];
  const rows = (t) => {
    const c = changes.get(t), d = c && c.rows;
    return d ? "+" + d.added + " −" + d.removed + " ~" + d.changed : (c && c.not_compared) || "";
  };
  show(el("h1", {}, "Compare runs"),
    el("p", {}, link(runHref(a), ra.name + " " + a), " and ", link(runHref(b), rb.name + " " + b)),
    runPicker(a, b),
    side("Input versions", ra.inputs, rb.inputs, compared ? ["row changes", rows] : null, "compare-inputs"),
    compared ? null : el("p", { class: "muted" }, "Row changes come with the site for a run and the run of the same "
      + "name before it; lakekit docs serve makes them for any two runs (or: lakekit runs compare A B)."),
    side("Params", ra.params, rb.params, null, "compare-params"),
    side("Metrics", ra.metrics, rb.metrics, null, "compare-metrics"));
}

/* ---------- features ---------- */

function featuresPage() {
  const views = LK.get("index").features;
  show(el("h1", {}, "Feature views"),
    views.length ? table(["view", "table", "entity", "timestamp", "features", "ttl", "version", "from", "description"],
      views.map((v) => el("tr", { "data-view": v.name },
        el("td", {}, v.name), el("td", {}, link(tableHref(v.table), v.table)), el("td", {}, v.entity.join(", ")),
        el("td", {}, v.timestamp), el("td", {}, v.features.map((f) => f + " (" + (v.types[f] || "?") + ")").join(", ")),
        el("td", {}, v.ttl || ""), el("td", { class: "num" }, v.version ?? "missing"), el("td", {}, v.source),
        el("td", {}, v.description))), { id: "features" })
      : el("p", { class: "muted", id: "features" }, "No feature view declared or registered."));
}

/* ---------- GDPR ---------- */

async function gdprPage() {
  const g = await LK.load("gdpr");
  show(el("h1", {}, "GDPR"),
    el("h2", {}, "Personal data by table"),
    table(["table", "columns (kind, tagged by)"], Object.entries(g.tags).sort().map(([t, cols]) => el("tr", {},
      el("td", {}, link(tableHref(t), t)),
      el("td", {}, Object.entries(cols).map(([c, t]) => c + " (" + t.kind + ", from " + t.from + ")").join(", ")))),
    { id: "gdpr-tags" }),
    el("h2", {}, "Audit trail"),
    el("p", { class: "muted" }, "Subjects are salted hashes; lakekit never records an identifier."),
    table(["at", "action", "status", "subject", "reason", "request"], g.audit.map((r) => el("tr", {},
      el("td", {}, r.at), el("td", {}, r.action), el("td", {}, r.status), el("td", { class: "mono" }, r.subject),
      el("td", {}, r.reason || ""), el("td", { class: "mono" }, r.request_id))), { id: "audit" }));
}
