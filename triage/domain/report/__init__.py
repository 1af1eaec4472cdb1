"""The clinician's report: the report model, the history paragraph and the severity chart."""
