"""PDF rendering: the clinician's summary and the worker pool that renders it."""
