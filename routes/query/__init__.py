"""Questions asked of an estimated network: paths, scenarios, regions and the scorer that ranks paths.
Imports :mod:`routes.model` and below.
"""
