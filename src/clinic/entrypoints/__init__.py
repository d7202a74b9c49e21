"""The doors into the core: web pages, the JSON API, the ops CLI and background jobs."""
