"""Diagnóstico del barrio: the seed's step "Diagnóstico y caracterización de problemáticas
general del barrio" and "Caracterización de las problemáticas de seguridad".

- :mod:`.problematicas` and :mod:`.caracterizacion`: the barrio's problemáticas (other
  modules link to them by id) and the caracterización of each;
- :mod:`.listas` and :mod:`.registros`: focos de concentración, actores clave, presencia
  institucional and recursos del barrio — one repository for the four lists;
- :mod:`.perfil`: límites and caracterización sociodemográfica, read from Gestión Territorial;
- :mod:`.activaciones`: the alarm activations the fleet saw in the barrio (read-only);
- :mod:`.checklist`: how complete the diagnóstico is;
- :mod:`.views`, :mod:`.views_listas`, :mod:`.views_datos` and :mod:`.routes`: the pages.
"""
