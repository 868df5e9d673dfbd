"""``lakekit features list | show | latest``: the feature views and their current values."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import pyarrow as pa
import typer

from lakekit.cli._common import as_json, key_value, open_lake, out, print_json, print_records

app = typer.Typer(help="Feature views (registered in the lake or declared in lakekit.toml) and their values.",
                  no_args_is_help=True)


@app.command("list")
def list_views(ctx: typer.Context) -> None:
    """Every feature view: table, entity keys, event-time column, features, ttl."""
    store = open_lake(ctx).features
    views = [v.asdict() for v in store.views()]
    if as_json(ctx):
        print_json(views)
        return
    print_records([{"view": v["name"], "table": v["table"], "entity": ", ".join(v["entity"]),
                    "timestamp": v["timestamp"], "features": ", ".join(v["features"] or ["*"]), "ttl": v["ttl"]}
                   for v in views], title="feature views")


@app.command("show")
def show(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Feature view name.")]) -> None:
    """One feature view: its definition, where it comes from, its table's latest version and column types."""
    info = open_lake(ctx).features.info(name).asdict()
    if as_json(ctx):
        print_json(info)
        return
    version = "not in the lake yet" if info["version"] is None else f"version {info['version']}"
    out.print(f"feature view {info['name']} ({info['source']}): {info['table']}, {version}; "
              f"ttl {info['ttl'] or 'none'}", markup=False, highlight=False)
    if info["description"]:
        out.print(info["description"], markup=False, highlight=False)
    roles = {c: "entity" for c in info["entity"]} | {info["timestamp"]: "event time"}
    print_records([{"column": c, "role": roles.get(c, "feature"), "type": info["types"].get(c)}
                   for c in [*info["entity"], info["timestamp"], *info["features"]]])


@app.command("latest")
def latest(
    ctx: typer.Context,
    features: Annotated[list[str], typer.Argument(help="Features: VIEW:FEATURE or VIEW:* (repeatable).")],
    key: Annotated[list[str], typer.Option("--key", help="An entity: KEY=VALUE[,KEY=VALUE] (repeatable).")],
    at: Annotated[str | None, typer.Option("--at", help="ISO time to look at (default: now; naive is UTC).")] = None,
) -> None:
    """The current value of FEATURES for each --key entity, from the same views training sets use."""
    store = open_lake(ctx).features
    types = store.entity_types(features)
    records = [dict(key_value(pair, "--key") for pair in entity.split(",")) for entity in key]
    columns = {}
    for column in dict.fromkeys(c for r in records for c in r):
        values = pa.array([r.get(column) for r in records], pa.string())
        try:
            columns[column] = values.cast(types[column]) if column in types else values
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise typer.BadParameter(f"'{column}' values must be {types[column]}", param_hint="--key") from None
    try:
        when = datetime.fromisoformat(at) if at else None
    except ValueError:
        raise typer.BadParameter(f"expected an ISO time, got '{at}'", param_hint="--at") from None
    rows = store.latest(pa.table(columns), features, at=when).to_pylist()
    if as_json(ctx):
        print_json(rows)
    else:
        print_records(rows, title=f"latest values{f' at {at}' if at else ''}")
