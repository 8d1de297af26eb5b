"""The static web archive: ``digest site --out DIR`` (index, day and week pages, Atom feed)."""

from digest.site.build import SiteResult, build_site
from digest.site.pages import day_path

__all__ = ["SiteResult", "build_site", "day_path"]
