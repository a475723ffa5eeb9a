"""The municipal hub: controller API, fleet health and Enlace Comunitario pages."""
