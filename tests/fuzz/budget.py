"""The hypothesis budget of the fuzz tests (``LAKEKIT_FUZZ_EXAMPLES`` per test)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

EXAMPLES = int(os.environ.get("LAKEKIT_FUZZ_EXAMPLES", "10"))

fuzz_settings = settings(
    max_examples=EXAMPLES, derandomize=os.environ.get("LAKEKIT_FUZZ_DERANDOMIZE") == "1",
    suppress_health_check=list(HealthCheck), print_blob=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
    + ([Phase.shrink] if os.environ.get("LAKEKIT_FUZZ_SHRINK", "1") == "1" else []),
)
