"""What people read: plain-text tables, the explanation of a leg, maps and GIS exports.
Imports :mod:`routes.query` and below; only :mod:`routes.cli` and :mod:`routes.load` sit above it.
"""
