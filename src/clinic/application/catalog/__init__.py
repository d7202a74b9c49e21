"""Rooms, doctors and procedures: adding, changing, archiving and restoring them."""
