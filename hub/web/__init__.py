"""The hub's web layer: access control, error pages, templates and the views."""
