"""``lakekit docs build | serve``: a browsable static site of the lake (tables, versions, lineage, runs, GDPR)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lakekit.cli._common import as_json, counter, open_lake, out, print_json, progress
from lakekit.site import HOPS, Rebuilder
from lakekit.site import build as build_site
from lakekit.site import serve as _serve

app = typer.Typer(help="A static site of the lake: tables, versions, lineage, runs and the GDPR trail.",
                  no_args_is_help=True)

OutOpt = Annotated[Path, typer.Option("--out", help="Folder the site is written into (replaced when it holds "
                                      "a site lakekit wrote).")]
PreviewOpt = Annotated[int, typer.Option("--preview", min=0, help="Rows of each table shown on its page, "
                                         "columns tagged as personal data masked (0: no previews).")]
HopsOpt = Annotated[int | None, typer.Option("--hops", min=1, help="How far each column's lineage walk reaches "
                                             "(column edges and runs crossed; default: no limit, the graph "
                                             "draws the nearest edges).")]


@app.command("build")
def build(ctx: typer.Context, out_dir: OutOpt = Path("lakekit-docs"), preview: PreviewOpt = 0,
          hops: HopsOpt = HOPS) -> None:
    """Write the site; open index.html from the folder, no server needed."""
    with progress(ctx, f"build the site in {out_dir}") as (bar, task):
        report = build_site(open_lake(ctx), out_dir, preview=preview, hops=hops,
                            progress=counter(bar, task, f"build the site in {out_dir}"))
    if as_json(ctx):
        print_json(report.asdict())
        return
    out.print(f"site of {report.tables} tables and {report.runs} runs written to {report.out}/ "
              f"({report.files} files): open {Path(report.out) / 'index.html'}", markup=False, highlight=False)


@app.command("serve")
def serve(ctx: typer.Context, out_dir: OutOpt = Path("lakekit-docs"), preview: PreviewOpt = 0,
          hops: HopsOpt = HOPS,
          port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1.")] = 8000) -> None:
    """Serve the site on 127.0.0.1, built again when a page is loaded and the lake changed (Ctrl-C stops)."""
    lake = open_lake(ctx)
    site = Rebuilder(lake, out_dir, preview=preview, hops=hops)
    site.refresh()
    httpd = _serve.server(out_dir, site.refresh, site.compare, port)
    out.print(f"serving the site of {lake.root} on http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C stops)",
              markup=False, highlight=False)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
