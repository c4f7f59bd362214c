"""The security suite drives the same Chromium as the browser tests (tests/conftest.py)."""
