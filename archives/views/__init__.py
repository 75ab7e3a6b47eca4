"""HTML pages of the archives app: thin, they call archives.services and archives.selectors."""
