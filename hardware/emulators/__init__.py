"""Stand-ins for physical parts: radio modules on pseudo-terminals joined by a virtual air."""
