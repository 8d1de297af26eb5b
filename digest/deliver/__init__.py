"""deliver: see the modules of this package."""
