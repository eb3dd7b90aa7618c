"""Reproducible speed, memory and accuracy measurements: `make bench`."""
