"""What the two HTTP doors share: the container of the current app, problem documents (RFC 9457),
and absolute links from BASE_URL. Both `web` and `api` import from here; `api` never imports
`web` (an import-linter contract in pyproject.toml)."""
