"""Workflows: what happens on each scan, as plain objects with no screen."""
