"""Maintenance for the Unidad de Alarmas Comunitarias: maintenance windows (planned or ad
hoc silences of a controller or a barrio), tickets (instalación, mantención, reparación)
with their técnicos and status history, and the installation waitlist.

- :mod:`hub.maintenance.storage`: the ``maintenance`` migration set (the tables);
- :mod:`hub.maintenance.windows`: windows, and :func:`~hub.maintenance.windows.in_maintenance`
  for the fleet's alarm and notification code;
- :mod:`hub.maintenance.tickets`, :mod:`hub.maintenance.technicians`,
  :mod:`hub.maintenance.waitlist`: the rules and repositories;
- :mod:`hub.maintenance.web`: the Spanish pages.

Repositories are built on the open :class:`~hub.storage.HubDB` (``Tickets(db)``) and write
every change to its audit log in the same transaction.
"""

# hub.storage's schema lists this package's migration set: load hub.storage first, so
# importing a module of this package first never meets a half-initialised schema.
import hub.storage  # noqa: F401
