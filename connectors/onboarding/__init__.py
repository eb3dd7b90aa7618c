"""Onboarding a new source system: profile a sample export, draft its spec, dry-run it."""
