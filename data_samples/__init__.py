"""data_samples."""
