"""The corridor graph: places and legs read into a ``networkx.MultiDiGraph``, its validation, its conversion to
and from GeoDataFrames, and finding places by name. Imports :mod:`routes.io` and below.
"""
