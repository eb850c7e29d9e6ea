"""pickwise: the command line that wires the parts together.

Nothing imports this package; it is the one place that may import both the
terminal and the stock service (``pickwise demo`` runs them side by side).
"""
