"""Personal data as it leaves the API (API.md "Conventions")."""

from __future__ import annotations

from api.masking import mask_id_number, mask_name, mask_phone


def test_examples_of_the_contract() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13800000000") == "138****0000"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧阳**"


def test_edge_cases() -> None:
    assert mask_name("王小明") == "王**"
    assert mask_name("李") == "*"
    assert mask_name("John Smith") == "J*** S****"
    assert mask_id_number("E12345678") == "E1*****78"
    assert [mask_name(""), mask_phone(""), mask_id_number("")] == ["", "", ""]
