"""Chairside: a CRM for small and medium dental clinics."""
