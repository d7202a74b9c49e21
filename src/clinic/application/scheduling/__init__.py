"""Booking, moving and changing appointments."""
