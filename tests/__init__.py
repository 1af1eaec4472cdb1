"""gut-triage's tests: a package, so `tests.helpers` imports from the project root and never from site-packages."""
