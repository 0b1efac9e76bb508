"""github_token / gitlab_token tables."""

from tests.redaction.recognizer_tables import check_table, token

GHP = token("ghp_", 36)
GHS = token("ghs_", 36)
FINE = "github_pat_" + token("", 22) + "_" + token("", 59)
GLPAT = token("glpat-", 20)
RUNNER = token("GR1348941", 20)


def test_github_tokens_are_matched_by_prefix_and_length():
    check_table(
        "github_token",
        [(f"token: {GHP}", GHP), (f"GITHUB_TOKEN={GHS}", GHS), (FINE, FINE)],
        ["ghp_short", "see https://github.com/org/repo/pull/12", "ghp_" + "x" * 10, "github_pat_abc"],
    )


def test_gitlab_tokens_are_matched_by_prefix():
    check_table(
        "gitlab_token",
        [(f"PRIVATE-TOKEN: {GLPAT}", GLPAT), (f"register with {RUNNER}", RUNNER)],
        ["glpat- is the prefix", "gitlab.com/group/project/-/jobs/123", "glpat-short"],
    )
