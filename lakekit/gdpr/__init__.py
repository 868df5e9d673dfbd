"""GDPR requests: find a subject everywhere, export, erase with proof (history rewritten, not
destroyed), the audit trail."""

from lakekit.gdpr.artifacts import ArtifactHit
from lakekit.gdpr.erasure import ErasureReport
from lakekit.gdpr.proof import Occurrence
from lakekit.gdpr.redaction import TableErasure
from lakekit.gdpr.requests import Gdpr, Verification, find, verify
from lakekit.gdpr.subjects import SubjectReport, TableHit

__all__ = [
    "ArtifactHit",
    "ErasureReport",
    "Gdpr",
    "Occurrence",
    "SubjectReport",
    "TableErasure",
    "TableHit",
    "Verification",
    "find",
    "verify",
]
