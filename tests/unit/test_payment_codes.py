"""A scanned payment code names its platform by its prefix (WeChat 10–15, Alipay 25–30)."""

from __future__ import annotations

import pytest

from api.counter.payment_codes import masked, method_of
from api.errors import DomainError


@pytest.mark.parametrize(
    ("code", "method"),
    [("134567890123456789", "wechat"), ("101234567890123456", "wechat"),
     ("281234567890123456", "alipay"), ("3012345678901234", "alipay"),
     ("251234567890123456789012", "alipay")],
)  # fmt: skip
def test_prefixes_name_the_platform(code: str, method: str) -> None:
    assert method_of(code) == method


@pytest.mark.parametrize(
    "code",
    ["164567890123456789", "1345678901234567", "241234567890123456", "EHC1:S:A:B:C",
     "31123456789012345", "13456789012345678a"],
)  # fmt: skip
def test_anything_else_is_refused(code: str) -> None:
    with pytest.raises(DomainError) as refused:
        method_of(code)
    assert refused.value.code == "VALIDATION_ERROR"


def test_a_stored_code_keeps_only_its_prefix_and_last_four() -> None:
    assert masked("134567890123456789") == "13************6789"
