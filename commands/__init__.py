"""The ``housekey`` command line: one module per command or command group, each adding itself with ``register``."""
