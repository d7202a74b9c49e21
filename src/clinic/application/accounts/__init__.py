"""Clinics and people: sign-up, sign-in, password reset, sessions and API tokens."""
