"""Enlace Comunitario: how the Unidad de Gestión Territorial plans security with each barrio,
in the seed's five steps, and the strategies of participation that follow.

- :mod:`hub.enlace.diagnostico`: the diagnóstico del barrio (problemáticas, focos, actores
  clave, presencia institucional, recursos), the caracterización of each problemática, and
  the alarm activations the hub saw there;
- :mod:`hub.enlace.instrumentos`: instrumentos de recolección — fuentes secundarias (CSV
  imports) and técnicas cualitativas (grupo focal, cartografía participativa, marcha
  exploratoria);
- :mod:`hub.enlace.planes`: the plan de acción, its carta Gantt, seguimiento and minuta;
- :mod:`hub.enlace.mesas`: Mesas de Seguridad Focalizadas;
- :mod:`hub.enlace.demandas`: the Protocolo de Respuesta ante Demanda y Requerimientos.

Every record belongs to a barrio and is seen and changed through the territorial scope
(:mod:`hub.territory.scope`); every change is in the audit log (:mod:`hub.enlace.history`).
"""
