"""How personal data leaves the API: ``110105********002X``, ``138****0000``, ``张*``."""

from __future__ import annotations


def mask_id_number(number: str) -> str:
    """First 6 and last 4 shown for ID numbers; first 2 and last 2 for short documents."""
    if len(number) >= 15:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) > 4:
        return number[:2] + "*" * (len(number) - 4) + number[-2:]
    return "*" * len(number)


def mask_phone(phone: str) -> str:
    """First 3 and last 4 of a mobile number."""
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) > 5:
        return phone[:3] + "*" * (len(phone) - 5) + phone[-2:]
    return "*" * len(phone)


def mask_name(name: str) -> str:
    """``张*``, ``王**``, ``欧阳**`` (four or more characters keep a compound surname),
    ``J*** S****`` for Latin names."""
    if not name:
        return ""
    if " " in name.strip():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
    if len(name) == 1:
        return "*"
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)
