"""Moved: the ``[radio]`` settings live in :mod:`hardware.radio.settings`, shared with the
controller. This module only re-exports them while ``sereno/demo/site.py`` still imports
``Rylr998Settings`` from here; delete it once that import names ``hardware.radio.settings``.
"""

from hardware.radio.settings import E220Settings, RadioSettings, Rylr998Settings, SerialSettings

__all__ = ["E220Settings", "RadioSettings", "Rylr998Settings", "SerialSettings"]
