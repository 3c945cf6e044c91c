"""``ehc admin create NAME``: an admin account with a generated password and TOTP."""

from __future__ import annotations

import segno

from api.admin.service import create_admin
from api.composition import open_context
from api.errors import DomainError
from api.settings import Settings


async def create_admin_command(settings: Settings, username: str, reset: bool) -> int:
    """Create the account and print the password, the otpauth URI and its QR, once."""
    async with open_context(settings, migrate=True) as ctx:
        try:
            admin = await create_admin(ctx, username, reset=reset)
        except DomainError as exc:
            print(f"ehc admin create: {exc.message} (use --reset to replace its credentials)")
            return 1
    print(f"admin:    {admin.username}")
    print(f"password: {admin.password}")
    print(f"totp:     {admin.provisioning_uri}")
    print("Scan this with an authenticator app (shown once; store the password now):")
    segno.make(admin.provisioning_uri, error="m").terminal(compact=True)
    return 0
