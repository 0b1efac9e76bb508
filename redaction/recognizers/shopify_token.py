"""Shopify access tokens: ``shpat_`` (admin API), ``shpca_`` (custom app), ``shppa_`` (private
app), ``shpss_`` (shared secret), each + 32 hex."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="SHOPIFY_TOKEN",
    category="secret",
    patterns=(
        PatternSpec("shopify", r"(?<![A-Za-z0-9_])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9_])", 0.95),
    ),
    prefilter=("shp",),
)
