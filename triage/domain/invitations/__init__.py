"""Invitations as plain data: who a private link is for and how it reaches them (no Flask, no SQLAlchemy)."""
