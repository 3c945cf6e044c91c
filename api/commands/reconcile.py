"""``ehc reconcile --date D --method M``: a day's reconciliation from the command line, with
each step shown as it happens and the discrepancies listed at the end."""

from __future__ import annotations

import getpass
import sys
from datetime import date

from api.channels.models import ChannelApp
from api.composition import open_context
from api.errors import DomainError
from api.payments.reconciliation import service as reconciliation
from api.settings import Settings


def _step(text: str) -> None:
    sys.stderr.write(f"… {text}\n")
    sys.stderr.flush()


async def reconcile_command(settings: Settings, day: date, method: str) -> int:
    """Exit status 0 when the bill and our books agree, 1 when discrepancies are open, 2 when the
    bill could not be had."""
    async with open_context(settings, migrate=True) as ctx:
        if not await ChannelApp.filter(kind=method).exists():
            print(f"ehc reconcile: no {method} payment app is registered, so no bill was "
                  "downloaded and nothing was compared", file=sys.stderr)  # fmt: skip
            return 2
        try:
            run, found = await reconciliation.reconcile(
                ctx, day, method, f"cli:{getpass.getuser()}", _step
            )
        except DomainError as exc:
            print(f"ehc reconcile: {exc.code}: {exc.message}", file=sys.stderr)
            return 2
    print(f"{method} {day}: {run.bill_lines} bill lines, {run.matched} matched, "
          f"{len(found)} discrepancies ({run.open_discrepancies} open)")  # fmt: skip
    print(f"net per bill {run.bill_net / 100:.2f} yuan, per our books {run.our_net / 100:.2f} yuan")
    for row in found:
        print(f"  #{row.id} {row.kind:<16} {row.line:<8} {row.reference:<32} "
              f"ours={row.ours_amount} platform={row.platform_amount} [{row.status}]")  # fmt: skip
    return 1 if run.open_discrepancies else 0
