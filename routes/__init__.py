"""routes: a route-risk model for migrant land and sea routes between Colombia and Mexico."""

from __future__ import annotations

__version__ = "0.1.0"
