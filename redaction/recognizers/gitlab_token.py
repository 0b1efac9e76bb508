"""GitLab tokens (GitLab docs, "Token overview": prefixes ``glpat-`` personal/project/group access,
``gldt-`` deploy, ``glrt-`` runner auth, ``GR1348941`` runner registration, ``glptt-`` pipeline
trigger, ``glcbt-`` CI build, ``glft-`` feed, ``gloas-`` OAuth secret, ``glsoat-`` SCIM)."""

from redaction.recognizers.base import PatternSpec, Rule

RULE = Rule(
    entity="GITLAB_TOKEN",
    category="secret",
    patterns=(
        PatternSpec(
            "gitlab_prefixed",
            r"(?<![A-Za-z0-9_\-])(?:glpat|gldt|glrt|glcbt|glft|gloas|glsoat|glimt|glagent)-[A-Za-z0-9_\-]{20,}(?![A-Za-z0-9_\-])",
            0.95,
        ),
        PatternSpec("gitlab_trigger", r"(?<![A-Za-z0-9_\-])glptt-[0-9a-f]{40}(?![A-Za-z0-9])", 0.95),
        PatternSpec("gitlab_runner_registration", r"(?<![A-Za-z0-9])GR1348941[A-Za-z0-9_\-]{20}(?![A-Za-z0-9_\-])", 0.95),
    ),
    prefilter=("gl", "gr1348941"),
)
