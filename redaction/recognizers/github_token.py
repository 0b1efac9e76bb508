"""GitHub tokens: classic (``ghp_`` personal, ``gho_`` OAuth, ``ghu_``/``ghs_`` app, ``ghr_`` refresh)
and fine-grained personal access tokens (``github_pat_``), per GitHub's "About authentication"
docs (token prefixes, 2021 format change)."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="GITHUB_TOKEN",
    category="secret",
    patterns=(
        PatternSpec("github_classic", r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])", 0.95),
        PatternSpec("github_fine_grained", r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])", 0.95),
    ),
    prefilter=("gh", "github_pat_"),
)
