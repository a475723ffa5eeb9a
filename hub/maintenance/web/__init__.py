"""The maintenance pages (Spanish): maintenance windows, tickets and técnicos, and the
installation waitlist. Views are thin: they read the form, call the domain modules of
:mod:`hub.maintenance` and render or redirect."""
