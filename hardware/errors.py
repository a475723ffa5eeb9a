"""Exceptions of the ``hardware`` package.

Every error raised on purpose by ``hardware`` derives from :class:`HardwareError`, so callers
(the node, the controller) can catch one type for "a physical part or its configuration
failed". Drivers add their own subclasses next to their code.
"""

from __future__ import annotations


class HardwareError(OSError):
    """Root of the hardware package: a device, a port or a pin could not do its job."""


class PinConfigError(HardwareError):
    """A pin map (board defaults plus an installer's ``[pins]`` table) is invalid.

    The message is in Spanish and names the offending field (``pins.siren: …``), because
    installers read it.
    """
