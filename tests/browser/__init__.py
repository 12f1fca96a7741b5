"""Browser tests: Playwright drives Debian's Chromium against the app the test run serves (live_server)."""
