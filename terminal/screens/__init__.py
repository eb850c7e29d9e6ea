"""One screen per step of work."""
