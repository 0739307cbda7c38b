"""approve: a fatigue-aware approval gate for AI coding agents."""

__version__ = "0.1.0"
