"""Extract: read every source in its native shape, with provenance on every row."""
