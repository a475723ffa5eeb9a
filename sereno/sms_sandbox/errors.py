"""Exceptions of ``sereno.sms_sandbox``."""

from __future__ import annotations


class SandboxError(ValueError):
    """Root of the sandbox's errors: a bad spec extract, store file or failure script."""
