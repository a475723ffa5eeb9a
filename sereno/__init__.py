"""Sereno's command line and the wiring that runs every part on one machine."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sereno")
except PackageNotFoundError:  # pragma: no cover - running from a tree that was never installed
    __version__ = "0.0.0+unknown"
