"""Seeds for the territory isolation walk (``tests/hub/enlace/test_isolation.py``).

Each module here defines ``seed(world: World) -> None`` and is run, in name order, on a
fresh hub after the world's territorios and barrios exist. Create your module's records in
the Norte barrio (``world.norte``, id 1) FIRST, so they get id 1 and your routes' example
paths (``/barrios/1/…``, ``/acciones/1``) point at them; put :data:`MARKER` in a title or
name of each, so the walk can tell when a list leaks them to the Sur gestor. Then add
whatever you want in the Sur barrio (``world.sur``, id 2).
"""
