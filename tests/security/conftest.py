"""The security suite drives the same Chromium as the browser tests."""

from __future__ import annotations

from tests.browser.conftest import browser

__all__ = ["browser"]
