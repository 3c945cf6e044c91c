"""Reading the resident health card through pyscard → pcscd → vsmartcard-vpcd → simulated card."""

from __future__ import annotations

import time

import pytest

from counter_pos import card_sim, chip_reader
from tests.pcsc.conftest import chip_serial

pytestmark = pytest.mark.pcsc


def read_when_present(timeout: float = 5.0) -> chip_reader.HealthCardRecord:
    """Read as a clerk would: pcscd notices a new card within a moment."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return chip_reader.read_health_card()
        except chip_reader.NoCardError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_reads_issuer_and_holder_of_a_health_card(insert_card) -> None:
    serial = chip_serial()
    record = card_sim.demo_record("欧阳娜娜", "11010519491231002x", "2", serial)
    insert_card(card_sim.health_card(record))
    read = read_when_present()
    assert read.holder.name == "欧阳娜娜"  # GBK on the chip
    assert read.holder.id_number == "11010519491231002X"
    assert read.holder.birth_date == "19491231" and read.holder.sex == "2"
    assert read.issuer.chip_serial == serial and read.issuer.issuer_name == "演示发卡机构"


def test_empty_reader_says_insert_the_card(pcscd) -> None:
    with pytest.raises(chip_reader.NoCardError, match="insert"):
        chip_reader.read_health_card()


def test_social_security_and_unknown_cards_are_told_apart(insert_card) -> None:
    record = card_sim.demo_record("李强", "110105198001010011")
    card = insert_card(card_sim.social_security_card(record))
    with pytest.raises(chip_reader.SocialSecurityCardError, match="social-security"):
        read_when_present()
    card.pull()
    time.sleep(1.0)  # out, then the next card in
    insert_card(card_sim.unknown_card())
    with pytest.raises(chip_reader.UnsupportedCardError) as caught:
        read_when_present()
    assert not isinstance(caught.value, chip_reader.SocialSecurityCardError)


def test_a_social_security_card_reads_as_its_holder(insert_card) -> None:
    serial = chip_serial()
    record = card_sim.social_security_record("欧阳娜娜", "11010519491231002x", "2", serial)
    insert_card(card_sim.social_security_card(record))
    deadline = time.monotonic() + 5
    while True:
        try:
            read = chip_reader.read_chip_card()
            break
        except chip_reader.NoCardError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert read.kind == "social_security_card" and read.name == "欧阳娜娜"
    assert read.id_number == "11010519491231002X" and read.birth_date == "19491231"
    assert read.chip_serial == serial and read.issuer_code.startswith("110000")


def test_card_pulled_mid_read_is_reported_and_the_next_card_reads(insert_card) -> None:
    record = card_sim.demo_record("王伟", "110105198001010011")
    insert_card(card_sim.health_card(record), drop_after=3)  # after SELECT app, EF05
    with pytest.raises(chip_reader.CardRemovedError, match="insert it again"):
        read_when_present()
    time.sleep(1.0)  # the clerk takes the card out and puts it back
    insert_card(card_sim.health_card(record))
    deadline = time.monotonic() + 5
    while True:  # the reader is usable again once pcscd sees the new card
        try:
            read = chip_reader.read_health_card()
            break
        except (chip_reader.NoCardError, chip_reader.CardRemovedError):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert read.holder.name == "王伟"


def test_a_named_reader_that_is_not_there(pcscd) -> None:
    with pytest.raises(chip_reader.NoReaderError, match="not connected"):
        chip_reader.read_health_card("USB Reader 99")
