"""Mediación comunitaria: cases between neighbours, with minimal personal data, seen only
by the mediación role and admins."""
