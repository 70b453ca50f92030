"""Input and output of files: the IOM exports, the incident snapshot, the flow and share tables, the shipped geodata.

The ground floor of the library after :mod:`routes.errors`: it imports nothing else of ``routes``.
"""
