"""Shipped geodata of routes (this directory is installed as the resource package ``routes._geodata``)."""
