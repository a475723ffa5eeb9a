"""Gestión Territorial: territorios, their gestores, and the barrios they work with.

- :mod:`hub.territory.storage`: the tables (migration set ``territory``);
- :mod:`hub.territory.barrios`: barrios by name (what the fleet uses);
- :mod:`hub.territory.scope`: which barrios a person may see and change — a gestor
  territorial only those of their territorios;
- :mod:`hub.territory.geo`: GeoJSON geometries (limits, points, routes), checked, and their
  drawing as SVG.
"""

from __future__ import annotations

from hub.territory.barrios import Barrio, all_barrios, clean_name, find, get, get_or_create
from hub.territory.storage import migrations

__all__ = ["Barrio", "all_barrios", "clean_name", "find", "get", "get_or_create", "migrations"]
