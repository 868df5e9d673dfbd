"""OpenLineage events checked against the official JSON Schemas in ``openlineage_spec/``: the
event against the spec's ``RunEvent``, and each facet against the schema its ``_schemaURL`` names:
one of the spec's, or lakekit's own facet's as the package ships it (``lakekit/impact/facets/``).
A facet whose schema is not there is an error: its URL names a version we have not checked, or
no schema at all."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

import lakekit.impact

SPEC = Path(__file__).parent / "openlineage_spec"
SHIPPED = Path(lakekit.impact.__file__).parent / "facets"
"""lakekit's own facets' schemas, where the package has them."""
_REGISTRY = Registry().with_resources(
    (document["$id"], Resource.from_contents(document))
    for document in (json.loads(p.read_text()) for p in sorted([*SPEC.rglob("*.json"), *SHIPPED.glob("*.json")])))
RUN_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def _validator(url: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({"$ref": url}, registry=_REGISTRY,
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _messages(found: Iterable[jsonschema.ValidationError]) -> Iterator[str]:
    """The messages of the innermost errors (those under an ``anyOf`` say what was wrong)."""
    for e in found:
        if e.context:
            yield from _messages(e.context)
        else:
            yield e.message


def _facets(event: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    datasets = [*event.get("inputs", []), *event.get("outputs", [])]
    for holder in [event.get("run", {}), event.get("job", {}), *datasets]:
        for kind in ("facets", "inputFacets", "outputFacets"):
            yield from (holder.get(kind) or {}).items()


def errors(event: dict[str, Any]) -> list[str]:
    """What the official schemas refuse in ``event`` (nothing: an empty list)."""
    found = list(_messages(_validator(RUN_EVENT).iter_errors(event)))
    for name, facet in _facets(event):
        url = facet.get("_schemaURL") if isinstance(facet, dict) else None
        if not isinstance(url, str):
            continue  # the RunEvent's BaseFacet refused it
        if url.split("#")[0] not in _REGISTRY:
            found.append(f"facet '{name}': no vendored schema for {url}")
            continue
        found += [f"facet '{name}': {m}" for m in _messages(_validator(url).iter_errors(facet))]
    return found


def facet_errors(facet: dict[str, Any]) -> list[str]:
    """What the schema named by the facet's ``_schemaURL`` refuses in it."""
    return list(_messages(_validator(facet["_schemaURL"]).iter_errors(facet)))
