"""The protocol package's exceptions: one root, split by whose fault it is (as in h11).

- :class:`EncodeError`: *our* side asked for something invalid (a field out of range, a
  payload too long, a key of the wrong size). A bug or a bad configuration on this machine.
- :class:`FrameError`: what the *other* side sent is bad. Carries ``reason``, the short code
  PROTOCOL.md names (``length``, ``version``, ``tag``, ``unknown``, ``replay``) or
  ``payload`` for a verified frame of a known type whose payload holds an undefined value.
- :class:`LinkError`: a link encoding (COBS, base64) could not be undone.
"""

from __future__ import annotations

from typing import Final

REASONS: Final = frozenset({"length", "version", "tag", "unknown", "replay", "payload"})
"""Every ``reason`` a :class:`FrameError` or a verifier ``Rejected`` can carry."""


class ProtocolError(ValueError):
    """Root of every error raised by the ``protocol`` package."""


class EncodeError(ProtocolError):
    """Our side asked for something invalid: a field out of range, a bad key, too much payload."""


class FrameError(ProtocolError):
    """What the other side sent breaks PROTOCOL.md; ``reason`` names the rule it broke."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason, message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return self.message


class LinkError(ProtocolError):
    """A COBS or base64 link encoding is malformed."""
