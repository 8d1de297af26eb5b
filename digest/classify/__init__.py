"""classify: see the modules of this package."""
