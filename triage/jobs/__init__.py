"""Background work: the worker that drains the message outbox and runs scheduled jobs (escalations, reminders)."""
