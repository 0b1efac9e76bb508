"""Organization, project and severity from a customer's mail (form-style lines), resolved against the registry.

Customers writing during an outage are asked (auto-reply and website) to start their mail with
form-style lines::

    Organization: ACME
    Project: shop-eu
    Severity: S2
    Production system: yes
    Core business stopped: no
    Workaround: yes
    Product: Checkout
    Component: Payments

We read only such lines (plus an explicit severity tag in the subject such as ``[S1]``): guessing
from prose would rank requests on words like "urgent", and the support terms let the vendor set the
effective severity anyway. Quoted text (``>``), signatures and forwarded/earlier messages are
skipped so a reply does not re-read the form of the mail it quotes. Whatever is missing or unclear
is listed in ``Extracted.missing`` so the acknowledgement can ask for it (support terms: priority
needs the organization and project "identified precisely").

Pure: text in, values out. The severity suggestion itself is ``intake.domain.severity.suggest_severity``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from intake.domain.severity import Severity, suggest_severity
from intake.registry import Organization, Registry

__all__ = ["Extracted", "FormFields", "extract", "parse_form", "parse_severity", "suggest_severity"]

# Alias (normalized key) -> field. Keys are compared lower-cased with spacing collapsed and a
# trailing "?" dropped, so "Is this a production system?" works as well as "Production".
FIELD_ALIASES: Mapping[str, str] = {
    **dict.fromkeys(("organization", "organisation", "org", "company", "customer",
                     "customer organization", "customer organisation", "organization id"), "organization"),
    **dict.fromkeys(("project", "project id", "project name", "affected project"), "project"),
    **dict.fromkeys(("severity", "requested severity", "proposed severity", "sev", "priority"), "severity"),
    **dict.fromkeys(("production", "production system", "production system affected",
                     "is this a production system", "is it a production system", "affects production",
                     "production affected"), "production"),
    **dict.fromkeys(("core business stopped", "business stopped", "is core business stopped",
                     "is the core business stopped", "core business affected"), "business_stopped"),
    **dict.fromkeys(("workaround", "acceptable workaround", "workaround available",
                     "is there an acceptable workaround", "is there a workaround"), "workaround"),
    **dict.fromkeys(("product", "affected product"), "product"),
    **dict.fromkeys(("component", "affected component"), "component"),
}
_QUESTIONS = ("production", "business_stopped", "workaround")

# "Key: value" / "Key = value", optionally bulleted or **bold** (HTML mails converted to text).
_FORM_LINE = re.compile(
    r"^[ \t]*(?:[-*•][ \t]+)?(?:\*\*|__)?(?P<key>[A-Za-z][A-Za-z ()/'_-]{0,48}?)[ \t]*(?:\*\*|__)?"
    r"[ \t]*(?:\?[ \t]*(?:\*\*|__)?[ \t]*[:=]?|[:=])[ \t]*(?:\*\*|__)?[ \t]*(?P<value>[^\r\n]*?)[ \t]*(?:\*\*|__)?[ \t]*$"
)
# Where the customer's own text ends: signature, earlier messages quoted or forwarded.
_STOP = re.compile(
    r"^(?:-- ?$|_{8,}\s*$|-{3,}\s*(?:original|forwarded)\s+message\s*-{3,}|begin forwarded message:"
    r"|on\s.{1,200}\swrote:\s*$)",
    re.IGNORECASE,
)
_MAX_LINES = 400  # the form is at the top; a huge pasted log must not cost time
_MAX_CHARS = 200_000

_YES = {"yes", "y", "true", "ja", "x", "[x]", "affected", "stopped", "available"}
_NO = {"no", "n", "false", "none", "nein", "[ ]", "not affected", "no workaround"}

_LABELS: Mapping[str, Severity] = {
    "critical": Severity.S1, "critical incident": Severity.S1,
    "incident": Severity.S2,
    "problem": Severity.S3,
    "question": Severity.S4, "suggestion": Severity.S4, "question / suggestion / other": Severity.S4,
}


def parse_severity(value: str) -> Severity | None:
    """A severity named unambiguously: ``S2``, ``S 2``, ``Sev2``, ``2``, ``S1 - Critical``, ``Critical``.

    Words that map to no level of the support terms (``high``, ``urgent``) and values naming two
    levels (``S1/S2``) give None: better to ask than to guess.
    """
    text = value.strip().casefold()
    if not text:
        return None
    levels = set(re.findall(r"(?<![a-z0-9])(?:s|sev|severity)?[ \t]*([1-4])(?![0-9])", text))
    if len(levels) == 1:
        # A leading level ("S1 - Critical Incident", "2 (incident)") decides; a bare digit only
        # counts when it starts the value ("prio 2 of 5" does not).
        if re.match(r"^(?:s|sev|severity)?[ \t]*[1-4](?![0-9])", text):
            return Severity(int(levels.pop()))
        return None
    if levels:
        return None
    words = re.sub(r"[^a-z/ ]+", " ", text).strip()
    words = re.sub(r"\s+", " ", words)
    return _LABELS.get(words)


_SUBJECT_SEVERITY = re.compile(
    r"(?:[\[(]\s*(?:s|sev(?:erity)?)\s*([1-4])\s*[\])]"  # [S1] (Sev 2)
    r"|^(?:(?:re|fwd?|aw|wg)\s*:\s*)*s([1-4])\s*[:\-–]"  # "S1: checkout down"
    r"|\bseverity\s*[:=]?\s*s?([1-4])\b)",  # "... severity: S2"
    re.IGNORECASE,
)


def _subject_severity(subject: str) -> Severity | None:
    levels = {next(g for g in m.groups() if g) for m in _SUBJECT_SEVERITY.finditer(subject or "")}
    return Severity(int(levels.pop())) if len(levels) == 1 else None


def _parse_bool(value: str) -> bool | None:
    text = re.sub(r"\s+", " ", value.strip().casefold())
    if text in _YES:
        return True
    if text in _NO:
        return False
    first = re.split(r"[\s,;.:!(\-–]+", text, maxsplit=1)[0]
    if first in {"yes", "y", "true"}:
        return True
    if first in {"no", "n", "false", "none"}:
        return False
    return None


def _norm_key(key: str) -> str:
    return re.sub(r"\s+", " ", key.strip().rstrip("?").strip().casefold().replace("_", " "))


@dataclass(frozen=True)
class FormFields:
    """What the mail claims, before looking anything up. ``raw`` keeps the first text per field."""

    raw: Mapping[str, str]
    severity: Severity | None
    answers: Mapping[str, bool | None]
    problems: tuple[str, ...] = ()


def _customer_lines(body: str) -> list[str]:
    lines: list[str] = []
    for line in (body or "")[:_MAX_CHARS].splitlines()[: _MAX_LINES * 4]:
        stripped = line.strip()
        if _STOP.match(stripped):
            break
        if stripped.startswith(">") or stripped.startswith("|"):
            continue
        lines.append(line)
        if len(lines) >= _MAX_LINES:
            break
    return lines


def parse_form(subject: str, body: str) -> FormFields:
    """Read the form-style lines of a mail; conflicting repeats of a field make it unknown."""
    values: dict[str, list[str]] = {}
    for line in _customer_lines(body):
        m = _FORM_LINE.match(line)
        if not m:
            continue
        name = FIELD_ALIASES.get(_norm_key(m.group("key")))
        value = m.group("value").strip().strip("*_").strip()
        if name and value:
            values.setdefault(name, []).append(value)

    problems: list[str] = []
    raw: dict[str, str] = {}
    for name, found in values.items():
        distinct = {re.sub(r"\s+", " ", v.casefold()) for v in found}
        if len(distinct) > 1:
            problems.append(f"conflicting_{name}")
            continue
        raw[name] = found[0]

    severity: Severity | None = None
    if "severity" in raw:
        severity = parse_severity(raw["severity"])
        if severity is None:
            problems.append("unclear_severity")
    elif "conflicting_severity" not in problems:
        severity = _subject_severity(subject)
        if severity is not None:
            raw["severity"] = f"(subject) {severity}"

    answers: dict[str, bool | None] = {}
    for name in _QUESTIONS:
        if name in raw:
            answers[name] = _parse_bool(raw[name])
            if answers[name] is None:
                problems.append(f"unclear_{name}")
        else:
            answers[name] = None
    return FormFields(raw=raw, severity=severity, answers=answers, problems=tuple(problems))


def _suggestion(answers: Mapping[str, bool | None]) -> Severity | None:
    """``suggest_severity`` when the answers given decide it; None when a deciding answer is missing."""
    production = answers.get("production")
    workaround = answers.get("workaround")
    stopped = answers.get("business_stopped")
    if production is None:
        return None
    if production and workaround is None:
        return None
    if production and workaround is False and stopped is None:
        return None
    return suggest_severity(production=production, business_stopped=stopped, workaround=workaround)


@dataclass(frozen=True)
class Extracted:
    """Organization / project / severity of a request, resolved against the registry.

    ``org`` and ``project`` are registry ids (None when unknown). ``requested_severity`` is what the
    customer proposed; ``suggested_severity`` follows from their answers when those decide it.
    ``missing`` lists what the acknowledgement must ask for (``organization``, ``project``,
    ``severity``); ``flags`` marks what triage should look at (e.g. ``claimed_org_differs``).
    Severity caps are not applied here (``Registry.effective_max_severity``).
    """

    org: str | None
    project: str | None
    product: str | None
    component: str | None
    requested_severity: Severity | None
    suggested_severity: Severity | None
    answers: Mapping[str, bool | None]
    missing: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    claimed_org: str | None = None
    claimed_project: str | None = None

    @property
    def severity(self) -> Severity | None:
        """The customer's proposal: requested if given, else the suggestion from the answers."""
        return self.requested_severity or self.suggested_severity


class _Sender:  # what extract needs of intake.mail.identity.SenderIdentity
    org_id: str | None
    trusted: bool


def extract(subject: str, body: str, *, registry: Registry, sender: _Sender | None = None) -> Extracted:
    """Extract and resolve organization, project, product/component and severity.

    Organization: a trusted sender's organization wins; a different claimed one is flagged
    (``claimed_org_differs``). Untrusted senders: the claimed organization if the registry knows it,
    else the sender domain's organization (a hint, unverified). Project: looked up among that
    organization's projects by id or name.
    """
    form = parse_form(subject, body)
    flags = list(form.problems)
    claimed_org = form.raw.get("organization")
    claimed_project = form.raw.get("project")

    sender_org = registry.org(sender.org_id) if sender is not None and sender.org_id else None
    claimed = registry.find_org(claimed_org) if claimed_org else None
    if claimed_org and claimed is None:
        flags.append("unknown_organization")
    org: Organization | None = claimed or sender_org
    if sender_org is not None and sender is not None and sender.trusted:
        org = sender_org
    # Flag a claim that names another organization than the one used or the sender's domain's
    # (a partner agency writing for its client, or someone trying their luck): triage decides.
    others = {o.id for o in (org, sender_org) if o is not None}
    if claimed_org and others and (claimed is None or others != {claimed.id}):
        flags.append("claimed_org_differs")

    project = registry.find_project(org, claimed_project) if org is not None and claimed_project else None
    if claimed_project and org is not None and project is None:
        flags.append("unknown_project")

    product_text = form.raw.get("product")
    component_text = form.raw.get("component")
    product_obj = org.product(product_text) if org is not None else None
    product = product_obj.name if product_obj else product_text
    component_obj = product_obj.component(component_text) if product_obj else None
    component = component_obj.name if component_obj else component_text
    if org is not None and product_text and product_obj is None:
        flags.append("unknown_product")
    elif product_obj is not None and component_text and component_obj is None:
        flags.append("unknown_component")

    suggested = _suggestion(form.answers)
    if form.severity and suggested and form.severity.is_higher_than(suggested):
        flags.append("requested_above_answers")
    if project is not None and not project.production and form.answers.get("production") is True:
        flags.append("production_claim_for_non_production_project")

    missing = []
    if org is None:
        missing.append("organization")
    if project is None:
        missing.append("project")
    if form.severity is None and suggested is None:
        missing.append("severity")
    return Extracted(
        org=org.id if org else None,
        project=project.id if project else None,
        product=product,
        component=component,
        requested_severity=form.severity,
        suggested_severity=suggested,
        answers=dict(form.answers),
        missing=missing,
        flags=flags,
        claimed_org=claimed_org,
        claimed_project=claimed_project,
    )
