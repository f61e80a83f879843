"""The `make lint` audit gate (.ci/pip_audit.py): fails only on vulnerabilities with a fix, and
never mistakes "nothing could be looked up" for "nothing found"."""

from __future__ import annotations

import importlib.util
import stat
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "pip_audit.py"
spec = importlib.util.spec_from_file_location("pip_audit_gate", SCRIPT)
gate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gate)

UNREACHABLE = {
    "dependencies": [
        {"name": "httpx", "skip_reason": "Dependency not found on PyPI and could not be audited"},
        {"name": "jinja2", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    ]
}
MIXED = {
    "dependencies": [
        {"name": "httpx", "version": "0.28.1", "vulns": []},
        {
            "name": "jinja2",
            "version": "3.1.2",
            "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}],
        },
        {"name": "oldlib", "version": "1.0", "vulns": [{"id": "PYSEC-0", "fix_versions": []}]},
    ]
}


def fake_pip_audit(tmp_path: Path, report: dict | None) -> str:
    """An executable that writes `report` where --output says (or fails like a lost network)."""
    path = tmp_path / "pip-audit"
    body = (
        f"import json, sys\nout = sys.argv[sys.argv.index('--output') + 1]\n"
        f"open(out, 'w').write(json.dumps({report!r}))\nsys.exit(1)\n"
        if report is not None
        else "import sys\nprint('ConnectionError: no route', file=sys.stderr)\nsys.exit(1)\n"
    )
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_classify_separates_fixable_from_unfixed_and_counts_what_was_audited():
    audited, fixable, unfixed = gate.classify(MIXED)
    assert audited == 3
    assert fixable == ["jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)"]
    assert unfixed == ["oldlib 1.0: PYSEC-0 (no fixed version yet)"]
    assert gate.classify(UNREACHABLE)[0] == 0


@pytest.mark.parametrize("report", [UNREACHABLE, None], ids=["all-skipped", "crashed"])
def test_unreachable_database_skips_locally_and_fails_under_ci(
    tmp_path, monkeypatch, capsys, report
):
    executable = fake_pip_audit(tmp_path, report)
    monkeypatch.delenv("CI", raising=False)
    assert gate.main(["gate", executable]) == 0
    assert "SKIPPED: vulnerability database unreachable" in capsys.readouterr().out
    monkeypatch.setenv("CI", "true")
    assert gate.main(["gate", executable]) == 1


def test_fails_on_a_fixable_vulnerability_only(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CI", raising=False)
    assert gate.main(["gate", fake_pip_audit(tmp_path, MIXED)]) == 1
    out = capsys.readouterr().out
    assert "jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in out
    unfixed_only = {"dependencies": [MIXED["dependencies"][0], MIXED["dependencies"][2]]}
    assert gate.main(["gate", fake_pip_audit(tmp_path, unfixed_only)]) == 0
