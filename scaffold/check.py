"""``scaffold check``: the events-and-workers review checklist as a linter for any VTEX IO app.

The core never prints: :func:`check_app` returns findings and the ``format_*`` helpers turn
them into text or JSON for ``cli.py``. The rules are listed in :data:`RULES` and documented
in docs/check.md.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scaffold._rules._base import RULES, RULES_BY_ID, RULES_BY_NAME, Finding, Rule, Severity
from scaffold.errors import ProjectError, UnknownRuleError, UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from scaffold._rules._source import Project

__all__ = [
    "FORMATS",
    "RULES",
    "Finding",
    "Rule",
    "Severity",
    "UnknownRuleError",
    "check_app",
    "check_cached",
    "format_finding",
    "format_github",
    "format_json",
    "format_rules",
    "format_sarif",
    "format_summary",
    "format_text",
    "has_errors",
    "resolve_rules",
]


def resolve_rules(
    select: Iterable[str] | None = None, ignore: Iterable[str] | None = None
) -> frozenset[str]:
    """Return the ids of the rules to run.

    Args:
        select: Rule ids or names to run (case-insensitive); None or empty means all.
        ignore: Rule ids or names to skip.

    Returns:
        The selected rule ids.

    Raises:
        UnknownRuleError: If a name matches no rule.
        UsageError: If ``ignore`` removes every rule ``select`` kept (nothing would run).
    """
    selected = {_rule_id(name) for name in select or ()}
    chosen = selected or set(RULES_BY_ID)
    enabled = frozenset(chosen - {_rule_id(name) for name in ignore or ()})
    if not enabled:
        kept = f"--select keeps ({', '.join(sorted(chosen))})" if selected else "there is"
        raise UsageError(
            f"--ignore removes every rule {kept}, so nothing would be checked; "
            "select a rule you do not ignore"
        )
    return enabled


def _rule_id(name: str) -> str:
    key = name.strip()
    if key.upper() in RULES_BY_ID:
        return key.upper()
    if key.lower() in RULES_BY_NAME:
        return RULES_BY_NAME[key.lower()].id
    raise UnknownRuleError(
        f"unknown rule {key!r}: use an id SC000-SC304 or a name; see `scaffold check --help`"
    )


def check_app(
    root: Path, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None
) -> list[Finding]:
    """Check an app against every rule, or the selected ones.

    Args:
        root: The app root (the folder holding manifest.json).
        select: Rule ids or names to run; None means all.
        ignore: Rule ids or names to skip.

    Returns:
        The findings, sorted by path, line and column.

    Raises:
        UnknownRuleError: If ``select`` or ``ignore`` names an unknown rule.
        ProjectError: If ``root`` has no manifest.json or no node/service.json.
    """
    from scaffold._rules import _checks
    from scaffold._vtex import MANIFEST, SERVICE

    enabled = resolve_rules(select, ignore)
    for required in (MANIFEST, SERVICE):
        if not (root / required).is_file():
            raise ProjectError(
                f"{required} is missing in {root}: scaffold check lints VTEX IO node apps"
            )
    context, findings = _checks.run(root, enabled)
    project = context.project
    kept = {
        finding
        for finding in findings
        if finding.rule in enabled and not _suppressed(project, finding)
    }
    return sorted(kept)


def check_cached(
    root: Path, select: list[str], ignore: list[str], *, use_cache: bool = True
) -> list[Finding]:
    """Check the app, or replay the saved result of an app unchanged since (see _check_cache).

    A hit loads neither tree-sitter nor the rules.

    Args:
        root: The app root.
        select: Rule ids or names to run; empty means all.
        ignore: Rule ids or names to skip.
        use_cache: Read and write the cache (``--no-cache``: neither).

    Returns:
        The findings, as :func:`check_app` returns them.
    """
    if not use_cache:  # nor the cache's modules (hashlib loads OpenSSL: ~4 ms)
        return check_app(root, select=select or None, ignore=ignore)
    from scaffold import _check_cache
    from scaffold._release import version

    rules = resolve_rules(select, ignore)
    key = _check_cache.key(root, rules, version())
    cached = _check_cache.load(root, key)
    if cached is not None:
        try:
            return [_replayed(item) for item in cached]
        except (TypeError, ValueError):
            pass  # written by another version of Finding: check again
    findings = check_app(root, select=select or None, ignore=ignore)
    _check_cache.save(root, key, [f._asdict() for f in findings])
    return findings


def _replayed(item: dict[str, Any]) -> Finding:
    """A finding from its cached JSON form (``data``'s pairs come back as lists)."""
    data = tuple((str(key), str(value)) for key, value in item.pop("data", ()))
    return Finding(**item, data=data)


def _suppressed(project: Project, finding: Finding) -> bool:
    if not finding.path.endswith(".ts"):
        return False
    module = project.module(project.root / finding.path)
    return module is not None and module.suppressed(finding.line, finding.rule)


def has_errors(findings: Iterable[Finding]) -> bool:
    """Return whether any finding is an error (what makes ``scaffold check`` exit 1).

    Args:
        findings: Findings from :func:`check_app`.

    Returns:
        True if at least one has severity ``error``.
    """
    return any(finding.severity == "error" for finding in findings)


def format_finding(finding: Finding) -> str:
    """Render one finding as ``path:line:col RULE severity: message``.

    Args:
        finding: A finding.

    Returns:
        One line.
    """
    f = finding
    return f"{f.path}:{f.line}:{f.column} {f.rule} {f.severity}: {f.message}"


def format_summary(findings: list[Finding]) -> list[str]:
    """Render what follows the findings: one fix hint per rule that fired, then the counts.

    Args:
        findings: Findings from :func:`check_app`.

    Returns:
        The lines (``All checks passed.`` alone when there are no findings).
    """
    if not findings:
        return ["All checks passed."]
    lines = [""]
    for rule_id in sorted({f.rule for f in findings}):
        rule = RULES_BY_ID[rule_id]
        lines.append(f"{rule.id} {rule.name}: {rule.fix}")
    counts: Counter[str] = Counter(f.severity for f in findings)
    parts = [
        f"{counts[level]} {level if counts[level] == 1 else plural}"
        for level, plural in (("error", "errors"), ("warning", "warnings"), ("info", "info"))
    ]
    lines.append("Found " + ", ".join(parts) + ".")
    return lines


def format_text(findings: list[Finding]) -> str:
    """Render findings and the summary as text, one finding per line (ruff/eslint style).

    Args:
        findings: Findings from :func:`check_app`.

    Returns:
        The text, without a trailing newline.
    """
    return "\n".join([*map(format_finding, findings), *format_summary(findings)])


def format_json(findings: list[Finding]) -> str:
    """Render findings as a JSON array (path, line, column, rule, name, severity, message, fix).

    Args:
        findings: Findings from :func:`check_app`.

    Returns:
        The JSON text, indented by 2.
    """
    return json.dumps(
        [
            {
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "rule": f.rule,
                "name": RULES_BY_ID[f.rule].name,
                "severity": f.severity,
                "message": f.message,
                "fix": RULES_BY_ID[f.rule].fix,
            }
            for f in findings
        ],
        indent=2,
    )


FORMATS = ("text", "json", "github", "sarif")
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def format_github(findings: list[Finding], prefix: str = "") -> str:
    """Render findings as GitHub Actions workflow commands (annotations on the pull request).

    Args:
        findings: Findings from :func:`check_app`.
        prefix: The app root relative to the repository root (``apps/sync/``), so that the
            annotations land on the right files; ``""`` when the app is the repository.

    Returns:
        One ``::error file=...,line=...,col=...,title=...::message`` line per finding.
    """
    lines = []
    for f in findings:
        rule = RULES_BY_ID[f.rule]
        props = ",".join(
            f"{key}={_escape(str(value), prop=True)}"
            for key, value in (
                ("file", prefix + f.path),
                ("line", f.line),
                ("col", f.column),
                ("title", f"{rule.id} {rule.name}"),
            )
        )
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {props}::{_escape(f.message)}")
    return "\n".join(lines)


def format_sarif(findings: list[Finding], prefix: str = "", version: str = "") -> str:
    """Render findings as a SARIF 2.1.0 log (GitHub code scanning, editors).

    Args:
        findings: Findings from :func:`check_app`.
        prefix: The app root relative to the repository root (``apps/sync/``), or ``""``.
        version: The scaffold version, recorded as the tool's version.

    Returns:
        The JSON text, indented by 2.
    """
    index = {rule.id: i for i, rule in enumerate(RULES)}
    driver: dict[str, object] = {
        "name": "scaffold check",
        "rules": [
            {
                "id": rule.id,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "help": {"text": rule.fix},
                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
            }
            for rule in RULES
        ],
    }
    if version:
        driver["version"] = version
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": prefix + f.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        for f in findings
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {"tool": {"driver": driver}, "results": results, "columnKind": "unicodeCodePoints"}
        ],
    }
    return json.dumps(log, indent=2)


def format_rules(as_json: bool = False) -> str:
    """Render the rule catalogue: id, name, severity and what it looks for, one rule a line.

    Args:
        as_json: A JSON array of ``{id, name, severity, summary, fix}`` instead of text.

    Returns:
        The text.
    """
    if as_json:
        return json.dumps(
            [
                {
                    "id": r.id,
                    "name": r.name,
                    "severity": r.severity,
                    "summary": r.summary,
                    "fix": r.fix,
                }
                for r in RULES
            ],
            indent=2,
        )
    width = max(len(rule.name) for rule in RULES)
    return "\n".join(f"{r.id}  {r.name:<{width}}  {r.severity:<7}  {r.summary}" for r in RULES)
