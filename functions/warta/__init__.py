"""Warta: Indonesian election news digests and alerts on hoax clarifications."""

__version__ = "0.1.0"
"""Kept equal to the version in pyproject.toml; used where the package is not installed."""
