"""Seeing the results: a self-contained HTML report, the aggregations behind it, and driver analysis.

- :func:`report` writes one offline HTML file (headline figures, sentiment
  trend, opinion drill-down, topics, word cloud, alerts, NPS/CSAT).
- :mod:`voc.reporting.aggregate` holds the pandas aggregations shared by the
  report and :mod:`voc.plot`.
- :func:`drivers` ranks the opinion nodes that move a score (NPS, CSAT, stars).

Importing this package is light: pandas loads on first use.
"""

from __future__ import annotations

from . import aggregate
from .drivers import drivers
from .html import report

__all__ = ["aggregate", "drivers", "report"]
