"""The panic node: button → frame → radio → ACK/retry → LED feedback."""
