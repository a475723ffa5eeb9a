"""SMS to the block's vecinos: GSM-7 texts, templates, and a Twilio notifier (docs/sms.md)."""

from controller.sms.gsm7 import is_gsm7, segments, to_gsm7
from controller.sms.templates import render, render_cancelled

__all__ = ["is_gsm7", "render", "render_cancelled", "segments", "to_gsm7"]
