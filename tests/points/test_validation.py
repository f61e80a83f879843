"""Tax codes (mã số thuế), phones, coordinates and distances as typed about points."""

from __future__ import annotations

import pytest

from app.points.validation import (
    MSG_TAX_CODE_CHECK,
    MSG_TAX_CODE_FORMAT,
    MSG_TAX_CODE_REQUIRED,
    distance_km,
    normalise_phone,
    parse_coordinate,
    tax_code_check_digit,
    tax_code_problem,
)


@pytest.mark.parametrize(
    "code",
    [
        "0100109106",
        "0100109106-001",
        "0102456786",
        "0101234565",
        " 0100109106 ",
        "０１００１０９１０６",
    ],
)
def test_valid_tax_codes(code):
    assert tax_code_problem(code) is None


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("", MSG_TAX_CODE_REQUIRED),
        ("0100109107", MSG_TAX_CODE_CHECK),  # last digit off by one
        ("0100109106-01", MSG_TAX_CODE_FORMAT),  # branch needs 3 digits
        ("0100109106001", MSG_TAX_CODE_FORMAT),  # branch without the dash
        ("010010910", MSG_TAX_CODE_FORMAT),  # 9 digits
        ("01001091066", MSG_TAX_CODE_FORMAT),  # 11 digits
        ("01001O9106", MSG_TAX_CODE_FORMAT),  # a letter O
        ("0100109105-001", MSG_TAX_CODE_CHECK),  # the branch does not rescue a bad base
    ],
)
def test_invalid_tax_codes(code, problem):
    assert tax_code_problem(code) == problem


def test_check_digit_follows_the_weights():
    # 0·31 + 1·29 + 0·23 + 0·19 + 1·17 + 0·13 + 9·7 + 1·5 + 0·3 = 114; 114 mod 11 = 4; 10 - 4 = 6
    assert tax_code_check_digit("010010910") == 6


def test_a_check_of_ten_means_no_code_is_valid():
    # First 9 digits whose weighted sum is a multiple of 11: the check would be 10.
    nine = next(
        f"{n:09d}"
        for n in range(100_000_000, 100_100_000)
        if tax_code_check_digit(f"{n:09d}") is None
    )
    assert (
        sum(int(d) * w for d, w in zip(nine, (31, 29, 23, 19, 17, 13, 7, 5, 3), strict=True)) % 11
        == 0
    )
    for last in "0123456789":
        assert tax_code_problem(nine + last) == MSG_TAX_CODE_CHECK


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("024 3824 5678", "02438245678"),
        ("(024) 3824-5678", "02438245678"),
        ("0112345678", None),
        ("12345", None),
        ("0912345678 9", None),
    ],
)
def test_phones(raw, expected):
    assert normalise_phone(raw) == expected


def test_coordinates_inside_hanoi_only():
    assert parse_coordinate("21,2003", 20.53, 21.39) == 21.2003
    assert parse_coordinate("10.77", 20.53, 21.39) is None  # Ho Chi Minh City
    assert parse_coordinate("nan", 20.53, 21.39) is None
    assert parse_coordinate("1e2", 20.53, 21.39) is None


def test_distance_between_hoan_kiem_and_tay_dang():
    assert 47 < distance_km(21.0285, 105.8542, 21.2003, 105.4236) < 50
    assert distance_km(21.0, 105.8, 21.0, 105.8) == 0
