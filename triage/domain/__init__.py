"""Pure-Python domain core: questions, answers, rules engine and results (no Flask, no SQLAlchemy)."""
