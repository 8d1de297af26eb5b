"""summarize: see the modules of this package."""
