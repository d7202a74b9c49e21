"""Real implementations of the ports: database, queue, mail, clock, password hashing."""
