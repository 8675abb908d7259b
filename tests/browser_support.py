"""Shared by the player tests: headless Chromium from Debian's packages, driven by Selenium.

The browser is Debian's ``chromium`` with its matching ``chromium-driver`` (CI installs both);
without them the tests fail, never skip. Selenium is given both paths, so its own manager never
looks for (or downloads) a browser or a driver.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1",
)
MISSING = (
    "the player's browser tests need Debian's chromium and chromium-driver ({0} and {1}); "
    "install them with `apt-get install chromium chromium-driver` (.ci/run does)"
)


@contextmanager
def chromium(width: int = 1280, height: int = 800, *, dark: bool = False) -> Iterator[Any]:
    """A fresh headless Chromium (new profile directory) logging console messages and requests."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for program in (CHROMIUM, CHROMEDRIVER):
        if not Path(program).exists():
            raise RuntimeError(MISSING.format(CHROMIUM, CHROMEDRIVER))
    profile = tempfile.mkdtemp(prefix="stepgrad-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if dark:
        options.add_argument("--blink-settings=preferredColorScheme=0")  # 0: dark
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_window_size(width, height)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver: Any, path: Path, fragment: str = "", timeout: float = 15.0) -> None:
    """Load a page from disk and wait until the player says it is ready (its graph laid out)."""
    driver.get(path.resolve().as_uri() + fragment)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = driver.execute_script("return document.documentElement.dataset.ready || ''")
        if state:
            assert state == "1", f"the player failed to start: {page_status(driver)}"
            return
        time.sleep(0.05)
    raise AssertionError(f"the player was not ready after {timeout} s: {page_status(driver)}")


def page_status(driver: Any) -> str:
    status = driver.execute_script("const s = document.getElementById('graph-status'); return s && s.textContent")
    return f"status {status!r}, console {console(driver)!r}"


def console(driver: Any) -> list[dict[str, Any]]:
    """The browser console's messages since the last call."""
    return driver.get_log("browser")


def requests(driver: Any) -> list[str]:
    """The URL of every request the page made since the last call (from Chromium's network log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def screenshot(driver: Any, path: Path) -> Path:
    """A screenshot after the compositor has painted the last change (a large SVG takes a moment)."""
    time.sleep(0.6)
    driver.save_screenshot(str(path))
    return path
