"""The risk model: attribution of incidents to legs, exposure (who travelled which leg when) and the risk estimate.
Imports :mod:`routes.network`, :mod:`routes.io` and below.
"""
