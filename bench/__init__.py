"""`make bench`: realistic clinics at scale, the app under load, the figures (bench/README.md)."""
