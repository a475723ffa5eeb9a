"""``sereno demo``: the whole alarm path on one machine, with emulated hardware."""
