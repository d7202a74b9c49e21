"""Reports: what the clinic earned in a period, and the appointments behind the figures."""
