"""GDPR requests: find a subject everywhere, export, erase with proof, the audit trail."""

from lakekit.gdpr.requests import (
    MAX_ATTEMPTS,
    Action,
    ErasureReport,
    Gdpr,
    TableErasure,
    Verification,
    audit,
    erase,
    export,
    find,
    verify,
)

__all__ = [
    "MAX_ATTEMPTS",
    "Action",
    "ErasureReport",
    "Gdpr",
    "TableErasure",
    "Verification",
    "audit",
    "erase",
    "export",
    "find",
    "verify",
]
