"""`make lint`'s dependency audit: pip-audit on the project's virtualenv, failing only on known
vulnerabilities that have a fixed version to move to.

pip-audit asks a vulnerability service (PyPI's JSON API by default) about every installed
distribution. When that service cannot be reached it skips each one ("not found on PyPI")
and still prints "No known vulnerabilities found": a false all-clear. So this counts what was
really audited, and when nothing was (or pip-audit failed, or ran out of time) it prints
"SKIPPED: vulnerability database unreachable" and passes, except under CI=true, where an
audit that could not run fails like any other missing requirement.

Usage: python .ci/pip_audit.py [pip-audit executable]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

WALL_CLOCK_SECONDS = 180  # the whole audit; pip-audit's own --timeout is per connection
CONNECT_TIMEOUT_SECONDS = "15"


def classify(report: dict) -> tuple[int, list[str], list[str]]:
    """(how many distributions were audited, fixable findings, findings without a fix)."""
    audited = 0
    fixable: list[str] = []
    unfixed: list[str] = []
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            continue
        audited += 1
        for vuln in dep.get("vulns", []):
            line = f"{dep['name']} {dep.get('version', '?')}: {vuln.get('id', '?')}"
            fixes = vuln.get("fix_versions") or []
            if fixes:
                fixable.append(f"{line} (fixed in {', '.join(fixes)})")
            else:
                unfixed.append(f"{line} (no fixed version yet)")
    return audited, fixable, unfixed


def unreachable(reason: str) -> int:
    print(f"SKIPPED: vulnerability database unreachable ({reason})")
    if os.environ.get("CI") == "true":
        print("pip-audit is required under CI=true: failing.")
        return 1
    return 0


def main(argv: list[str]) -> int:
    executable = argv[1] if len(argv) > 1 else "pip-audit"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        command = [
            executable,
            "--skip-editable",  # the project itself, not on PyPI
            "--progress-spinner",
            "off",
            "--timeout",
            CONNECT_TIMEOUT_SECONDS,
            "--format",
            "json",
            "--output",
            str(out),
        ]
        try:
            done = subprocess.run(  # noqa: S603 - our own venv's pip-audit
                command, capture_output=True, text=True, timeout=WALL_CLOCK_SECONDS
            )
        except subprocess.TimeoutExpired:
            return unreachable(f"no answer within {WALL_CLOCK_SECONDS} s")
        if not out.exists() or out.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return unreachable(f"pip-audit exited {done.returncode}: {last[:200]}")
        report = json.loads(out.read_text())
    audited, fixable, unfixed = classify(report)
    if audited == 0:
        return unreachable("no installed distribution could be looked up")
    for line in unfixed:
        print(f"pip-audit: known, no fix available yet: {line}")
    if fixable:
        print("pip-audit: known vulnerabilities with a fixed version: upgrade these")
        for line in fixable:
            print(f"  {line}")
        return 1
    print(f"pip-audit: {audited} distributions audited, nothing with a fix to apply")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
