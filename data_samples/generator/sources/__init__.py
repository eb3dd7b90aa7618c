"""One exporter per source system: `export(world, deliveries)` writes what that system would."""
