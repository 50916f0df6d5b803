"""Test-wide settings.

On CI (``CI`` set) hypothesis runs derandomized: every run draws the same examples, so a green
run stays green and a red one is reproducible; locally examples stay random to keep exploring.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
