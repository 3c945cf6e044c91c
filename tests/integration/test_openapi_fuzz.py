"""Schemathesis against the running API's /openapi.json, as a resident, a terminal and an admin.

Every operation gets generated requests that its published schema calls valid (fixed seed,
bounded count). None may answer 5xx, every answer must be documented (status, content type,
body shape), and none may be a ``VALIDATION_ERROR``: the API refusing what its own schema
publishes as valid is a schema/validation mismatch. Business refusals (a random QR code is
``QR_MALFORMED``, a random ID number ``INVALID_ID_NUMBER``) are documented 4xx and allowed.
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.support.counter import terminal_headers
from tests.support.partner import bearer
from tests.support.resident import wechat_session

pytestmark = pytest.mark.slow

EXAMPLES = 12  # per operation and mode: ~70 operations stay within ~3 minutes on 2 cores
# Would end the admin session the rest of the run signs in with.
SKIPPED = {("DELETE", "/api/v1/admin/sessions")}


def no_validation_error(ctx, response, case) -> bool | None:
    """Data the schema calls valid must pass the API's validation too."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    error = response.json().get("error", {})
    # The request-shape layer names the faulty fields (``details``); a service's own rule
    # across fields (a slot ends after it starts) is a documented 422 without them.
    if error.get("code") == "VALIDATION_ERROR" and "details" in error:
        raise AssertionError(f"valid per /openapi.json, refused by the API: {error}")
    return None


def _callers(definition: dict) -> list[str]:
    # openapi.py writes "Callers: admin, resident" for authenticated operations.
    description = definition.get("description", "")
    if not description.startswith("Callers: "):
        return ["public"]
    callers = description.removeprefix("Callers: ").split("\n")[0].split(" with ")[0]
    return [c.strip().rstrip(".") for c in callers.split(",")]


def _run(operation, headers: dict[str, str], base_url: str) -> None:
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the fixed seed
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=15)
        case.validate_response(
            response,
            # positive_data_acceptance would also flag documented business refusals
            # (QR_MALFORMED, INVALID_ID_NUMBER…); no_validation_error is the precise mismatch.
            excluded_checks=[schemathesis.checks.positive_data_acceptance],
            additional_checks=[no_validation_error],
            headers=headers,
        )

    check()


async def test_openapi_contract_holds_for_generated_requests(
    api, live, admin_headers, terminal, channel_apps, clinic
) -> None:
    session = await wechat_session(api, channel_apps["wechat"]["app_id"], "fuzz-resident")
    tokens = {
        "public": {},
        "resident": bearer(session["token"]),
        "client": await terminal_headers(api, terminal),
        "admin": admin_headers,
    }
    schema = schemathesis.openapi.from_url(f"{live.base_url}/openapi.json")
    started, cases, failures = time.monotonic(), 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        for caller in _callers(operation.definition.raw):
            try:
                _run(operation, tokens[caller], live.base_url)
            except (Exception, BaseExceptionGroup) as exc:  # one must not hide the others
                failures.append(f"{operation.label} as {caller}: {exc}")
            cases += EXAMPLES
    elapsed = time.monotonic() - started
    print(f"schemathesis: ≤{cases} cases in {elapsed:.0f} s, {len(failures)} failing operations")
    assert not failures, "\n\n".join(failures)
