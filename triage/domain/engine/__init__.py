"""The rules engine: ruleset schema and source, compiled conditions, results and their text."""
