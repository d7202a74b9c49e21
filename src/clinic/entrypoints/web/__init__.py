"""The web door: Flask pages for people, plus the JSON API mounted under /api/v1."""
