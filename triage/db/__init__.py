"""Persistence: typed SQLAlchemy models, engine/session set-up and named queries (no Flask)."""
