"""Mesas de Seguridad Focalizadas: "instancias de participación comunitaria en las que se
reúnen vecinos, vecinas, organizaciones y/o instituciones de un sector barrial focalizado".

- :mod:`~hub.enlace.mesas.mesas`: the mesas, and the seed's rule — each gestor focuses at
  most two sectores barriales at a time (kept by database triggers);
- :mod:`~hub.enlace.mesas.sesiones`: sessions with agenda, attendance and acta;
- :mod:`~hub.enlace.mesas.acuerdos`: acuerdos y compromisos and their follow-up across
  sessions;
- :mod:`~hub.enlace.mesas.forms`, :mod:`~hub.enlace.mesas.model`: forms and values;
- :mod:`~hub.enlace.mesas.views`, :mod:`~hub.enlace.mesas.sesion_views`,
  :mod:`~hub.enlace.mesas.exports`: the pages, the printable acta and the CSV downloads;
  :mod:`~hub.enlace.mesas.routes` lists them. Guide: ``docs/enlace/mesas.md``.
"""
