"""query: see the modules of this package."""
