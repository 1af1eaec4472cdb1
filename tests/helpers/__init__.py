"""Helpers shared by the tests (no tests and no fixtures here): databases, apps, staff, patients, rules editor, browser."""
