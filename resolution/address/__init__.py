"""Addresses: normalise (normalize.py), parse into labelled elements and components (parse.py) against
the names the parser trusts (gazetteer.py), and the ``housekey address`` commands (cli.py)."""
