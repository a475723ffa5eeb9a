"""Sereno's wire formats, sans-IO: radio frames, link encodings, airtime (PROTOCOL.md v1)."""
