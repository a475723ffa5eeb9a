"""Exceptions of the ``node`` package.

Everything the node raises on purpose derives from :class:`NodeError`, a ``ValueError``:
what stops a node is a configuration or a state file it cannot trust. Messages that an
installer reads (configuration, counter file) are in Spanish and name the field or file.
Radio and GPIO failures keep their own ``hardware`` types (``OSError``).
"""

from __future__ import annotations


class NodeError(ValueError):
    """Root of the node package: the node cannot run with what it was given."""


class NodeConfigError(NodeError):
    """``node.toml`` is invalid; the message (Spanish) names the field, e.g.
    ``node.toml: [node] address debe ser un número entre 1 y 65534; recibí 0``."""


class CounterFileError(NodeError):
    """The counter reservation file is unreadable, corrupt or belongs to another key.

    Never recovered by starting again at 0 (that would reuse counters the controller has
    already seen): the recovery is to provision a new key (docs/node.md).
    """
