"""Browser tests: a package, so its conftest is `browser.conftest` and never shadows the root `conftest` module."""
