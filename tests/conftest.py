"""Fixtures shared by the browser tests (test_browser.py, test_classroom_browser.py)."""

from __future__ import annotations

import os

import pytest

from lab_browser import CHROMIUM_ARGS, find_chromium


# One Playwright per test process: a second sync_playwright() in the same process fails ("Sync API inside the
# asyncio loop"), and xdist may give one process tests from both files.
@pytest.fixture(scope="session")
def chromium():
    path = find_chromium()
    if path is None:
        message = "no Chromium found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM=/path/to/chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, so the browser tests must run, but {message}")
        pytest.skip(f"browser tests skipped: {message}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
