"""Analyst-facing marts: one row per business entity, built from core and tags."""
