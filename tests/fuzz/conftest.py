"""Fuzzing set-up: how many examples each target gets, the case and 5xx counters, and the
two BENCH lines printed at the end of a run that fuzzed anything.

`make test` runs a few examples per target (FUZZ_EXAMPLES, default 8); `make fuzz` runs
FUZZ_EXAMPLES=400 per target (over 10,000 cases in all)."""

from __future__ import annotations

from tests.fuzz.harness import TOTALS


def pytest_terminal_summary(terminalreporter):
    if TOTALS.cases:
        terminalreporter.write_line(f"BENCH fuzz.cases {TOTALS.cases} cases")
        terminalreporter.write_line(f"BENCH fuzz.server_errors {TOTALS.server_errors} errors")
        for line in TOTALS.server_error_samples[:10]:
            terminalreporter.write_line(f"  5xx: {line}")
