"""ask: see the modules of this package."""
