"""Identity document validation (GB 11643 and the permit formats)."""

from __future__ import annotations

from datetime import date

import pytest

from api.cards.id_numbers import check_digit, parse_id
from api.errors import DomainError
from tests.support.people import id_number


def refused(id_type: str, number: str) -> str:
    with pytest.raises(DomainError) as err:
        parse_id(id_type, number, today=date(2026, 11, 24))
    assert err.value.code == "INVALID_ID_NUMBER"
    return err.value.message


def test_published_sample_is_valid_and_tells_birth_and_gender() -> None:
    parsed = parse_id("01", "11010519491231002x")
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31) and parsed.gender == "2"
    assert parsed.region == "110105"
    assert check_digit("11010519491231002") == "X"


def test_numbers_built_independently_are_accepted() -> None:
    for seq in (1, 2, 333, 998):
        number = id_number(date(1990, 2, 28), seq, "440305")
        assert parse_id("01", number).gender == ("1" if seq % 2 else "2")


def test_full_width_digits_and_spaces_are_normalised() -> None:
    assert parse_id("01", "１１０１０５ 19491231002X").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "fault"),
    [
        ("11010519491231002Y", "17 digits"),
        ("110105194912310021", "check digit"),
        (id_number(date(1999, 2, 28), 1)[:10] + "0230" + "0011", "birth date"),
        ("990105194912310020", "region"),
        ("1101051949123100", "17 digits"),
        ("110105491231002", "15-digit"),
    ],
)
def test_bad_resident_numbers_say_what_is_wrong(number: str, fault: str) -> None:
    assert fault in refused("01", number)


def test_future_birth_date_is_refused() -> None:
    assert "impossible" in refused("01", id_number(date(2027, 1, 1), 5))


def test_documents_by_format() -> None:
    assert parse_id("03", "E12345678").number == "E12345678"
    assert parse_id("06", "h12345678").number == "H12345678"
    assert parse_id("07", "12345678").number == "12345678"
    refused("06", "X12345678")
    refused("07", "1234")
    refused("03", "E1")
    refused("42", "E12345678")


def test_foreigners_permanent_residence_cards_in_both_forms() -> None:
    assert parse_id("08", "usa110079080412").number == "USA110079080412"  # 2004: 3 letters
    # 2017 and 2023: 18 characters beginning with 9, the check digit as a resident ID's
    body = "93" + "1840" + "19800412" + "001"
    assert parse_id("08", body + check_digit(body)).number == body + check_digit(body)
    wrong = next(d for d in "0123456789X" if d != check_digit(body))
    assert "check digit" in refused("08", body + wrong)
    refused("08", "US1100790804")
    refused("08", "E12345678")
