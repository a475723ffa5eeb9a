"""See the package docstring of hub.enlace (or hub.mediacion) and this package's modules."""
