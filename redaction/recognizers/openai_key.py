"""OpenAI API keys: legacy ``sk-`` + 48, project/service-account/admin keys (``sk-proj-``,
``sk-svcacct-``, ``sk-admin-``), all of which embed the ``T3BlbkFJ`` marker ("OpenAI" base64)."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="OPENAI_API_KEY",
    category="secret",
    patterns=(
        PatternSpec("openai_marker", r"(?<![A-Za-z0-9_\-])sk-(?:[a-z]+-)?[A-Za-z0-9_\-]{16,}T3BlbkFJ[A-Za-z0-9_\-]{16,}(?![A-Za-z0-9_\-])", 0.95),
        PatternSpec("openai_project", r"(?<![A-Za-z0-9_\-])sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}(?![A-Za-z0-9_\-])", 0.95),
        PatternSpec("openai_legacy", r"(?<![A-Za-z0-9_\-])sk-[A-Za-z0-9]{48}(?![A-Za-z0-9_\-])", 0.85),
    ),
    prefilter=("sk-",),
)
