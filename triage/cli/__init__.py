"""The `triage` command line: one click group per concern, registered in `main`."""
