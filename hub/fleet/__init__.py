"""The fleet of street controllers, for the Unidad de Alarmas Comunitarias.

- :mod:`hub.fleet.schema`: the ``fleet`` migration set (the tables);
- :mod:`hub.fleet.controllers`: enrollment codes, credentials, connection state;
- :mod:`hub.fleet.ingest`: applying a report (events once, states, alarms, the answer);
- :mod:`hub.fleet.alarms`: alarm types and severities, one open alarm per key,
  acknowledgement; :func:`hub.fleet.alarms.alarm` for other domains;
- :mod:`hub.fleet.commands`: commands to a controller and their outcome;
- :mod:`hub.fleet.health` and :mod:`hub.fleet.oncall`: the periodic job's health rules and
  the on-duty SMS (:mod:`hub.fleet.jobs` runs both);
- :mod:`hub.fleet.api`, :mod:`hub.fleet.openapi`: the controller API and its document;
  :mod:`hub.fleet.views`: the pages.
"""

# hub.storage's schema lists this package's migration set: load hub.storage first, so
# importing a module of this package first never meets a half-initialised schema.
import hub.storage  # noqa: F401
