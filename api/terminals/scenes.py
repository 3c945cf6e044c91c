"""Where a card is used (``scene``) and the national medical-step code (诊疗环节) recorded.

The booking steps use the published codes (DOMAIN.md); the other steps have no code in our
sources, so they carry local codes in the 0199xxx range until a card centre maps them. A caller
may also send a national 7-digit code as the scene; it is recorded as is.
"""

from __future__ import annotations

from api.errors import DomainError

MEDSTEP_CODES = {
    "registration": "0101012",
    "checkin": "0101014",
    "consultation": "0199001",
    "payment": "0199002",
    "pharmacy": "0199003",
    "lab": "0199004",
    "imaging": "0199005",
    "inpatient": "0199006",
    "other": "0199999",
}


def medstep_code(scene: str) -> tuple[str, str]:
    """(scene, medical-step code) for a scene name or a national code."""
    if scene in MEDSTEP_CODES:
        return scene, MEDSTEP_CODES[scene]
    if scene.isdigit() and len(scene) in (6, 7):
        return "other", scene
    raise DomainError(
        "VALIDATION_ERROR",
        f"scene must be one of {', '.join(MEDSTEP_CODES)} or a national medical-step code",
    )
