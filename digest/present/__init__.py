"""present: see the modules of this package."""
