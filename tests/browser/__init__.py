"""Browser tests: a package inside the `tests` package, so its conftest is `tests.browser.conftest`."""
