"""The three doors (README, "Layout"): each takes one kind of credential, and every path sits
behind the door its audience uses."""

from __future__ import annotations

from api.web.app import admin_door, envelope_door, resident_door, terminal_door

# Unauthenticated by design: signing in is how one gets the admin credential.
ADMIN_SIGN_IN = ("POST", "/api/v1/admin/sessions")


def _declared(routes: list) -> list[tuple[str, str, tuple[str, ...], str | None]]:
    return [(r.spec.method, r.path, r.spec.auth, r.spec.scope) for r in routes]


def test_the_terminal_door_takes_only_scoped_access_tokens() -> None:
    for method, path, auth, scope in _declared(terminal_door()):
        assert auth == ("client",), (method, path)
        assert (scope, path.split("/")[3]) in {("pos", "pos"), ("peer", "peer")}, (method, path)


def test_the_admin_door_takes_only_admin_sessions() -> None:
    for method, path, auth, _ in _declared(admin_door()):
        if (method, path) == ADMIN_SIGN_IN:
            assert auth == ()
            continue
        assert auth == ("admin",), (method, path)


def test_no_admin_or_terminal_path_is_served_through_the_residents_door() -> None:
    for method, path, auth, _ in _declared(resident_door()):
        assert path.split("/")[3] not in {"admin", "pos", "peer"}, (method, path)
        assert "admin" not in auth or path == "/api/v1/payments/{payment_id}", (method, path)


def test_admin_and_terminal_paths_are_behind_their_doors() -> None:
    for method, path, _, _ in _declared(admin_door()):
        assert path.startswith("/api/v1/admin/") or path.endswith("/refund"), (method, path)


def test_the_envelope_door_is_one_endpoint_with_its_own_credential() -> None:
    assert _declared(envelope_door()) == [("POST", "/ehc/gateway", (), None)]
    every_other = resident_door() + terminal_door() + admin_door()
    assert all(not r.path.startswith("/ehc/") for r in every_other)
