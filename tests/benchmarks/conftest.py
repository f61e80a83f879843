"""Benchmarks print `BENCH <name> <value> <unit>` lines; they run under `make bench`."""


def bench(name: str, value: float, unit: str) -> None:
    print(f"\nBENCH {name} {value:.2f} {unit}", flush=True)
