"""Test-suite settings shared by every test file."""

import os

from hypothesis import settings

# In CI the property tests draw the same examples every run (a red CI is then reproducible);
# on a developer's machine they explore new ones each time.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# pytester runs test files in a sandbox (tests/test_testing.py checks the pytest plugin's reports).
pytest_plugins = ["pytester"]
