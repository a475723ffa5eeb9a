"""Gestión Territorial: territorios, their gestores, and the barrios they work with.

- :mod:`hub.territory.storage`: the tables (migration set ``territory``);
- :mod:`hub.territory.barrios`: barrios by name (what the fleet uses);
- :mod:`hub.territory.scope`: which barrios a person may see and change — a gestor
  territorial only those of their territorios;
- :mod:`hub.territory.geo`: GeoJSON geometries (limits, points, routes), checked, and their
  drawing as SVG; :mod:`hub.territory.mapview`: a barrio's map for the ``mapa`` macro;
- :mod:`hub.territory.territorios`: territorios and their gestores;
  :mod:`hub.territory.records`: a barrio's datos, caracterización and limits, audited
  (read them with :func:`hub.territory.barrios.profile`); :mod:`hub.territory.limits`:
  areas and the fleet's controllers inside a barrio;
- the pages: :mod:`hub.territory.views` (list and ficha), ``views_barrios``,
  ``views_territorios`` and ``exports`` (routes in :mod:`hub.territory.routes`; guide in
  ``docs/enlace/territorios.md``).
"""

from __future__ import annotations

from hub.territory.barrios import Barrio, all_barrios, clean_name, find, get, get_or_create
from hub.territory.storage import migrations

__all__ = ["Barrio", "all_barrios", "clean_name", "find", "get", "get_or_create", "migrations"]
