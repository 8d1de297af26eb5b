"""Daily AI Insights engine: sources -> classification -> per-category synthesis -> report.

The engine never imports a chat SDK; adapters in ``bot/`` translate platform events into
calls on :class:`digest.service.DigestService`.
"""

__version__ = "0.1.0"
