"""Reports through the real API: a hospital system posts a PDF, the resident is told, lists it
and downloads it only after a fresh step-up proof (SMS code to the card's phone); every
download is audited. A doctor station reads a consenting resident's reports while the consent
lasts and gets 404 once it is ended."""

from __future__ import annotations

import base64
import re

import httpx
import pytest

from tests.support.counter import qr_payload, terminal_headers
from tests.support.partner import bearer
from tests.support.resident import face_check, new_holder

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="session")
async def doctor_station(live, admin_headers, clinic) -> dict:
    """A doctor station of the test hospital."""
    async with httpx.AsyncClient(base_url=live.base_url) as api:
        made = await api.post(
            "/api/v1/admin/terminals",
            json={"name": "Room 3", "institution_code": clinic, "kind": "doctor"},
            headers=admin_headers,
        )
        assert made.status_code == 201, made.text
        return made.json()


async def reported_holder(api, terminal, channel_apps) -> tuple[dict, str, str]:
    """A resident, their patient id at the test hospital and one report posted for them."""
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    headers = await terminal_headers(api, terminal)
    qr = await qr_payload(api, holder["token"], holder["card"]["card_id"])
    verified = await api.post("/api/v1/pos/verify", json={"qr": qr, "scene": "lab"},
                              headers=headers)  # fmt: skip
    patient_id = verified.json()["patient_id"]
    posted = await api.post(
        "/api/v1/pos/reports",
        json={"patient_id": patient_id, "title": "血常规报告", "kind": "lab",
              "pdf_base64": base64.b64encode(PDF).decode()},
        headers=headers,
    )  # fmt: skip
    assert posted.status_code == 201, posted.text
    return holder, patient_id, posted.json()["report_id"]


async def step_up(api, holder) -> httpx.Response:
    """Ask for a code to the card's phone, read it there, send it back."""
    sent = await api.post("/api/v1/realname/step-up", json={}, headers=bearer(holder["token"]))
    assert sent.status_code == 200, sent.text
    assert sent.json()["phone_masked"].count("*") == 4
    inbox = await api.get("/mock/sms/inbox", params={"phone": holder["person"].phone})
    code = re.search(r"\d{6}", inbox.json()["messages"][0]["text"]).group(0)
    return await api.post(
        "/api/v1/realname/step-up", json={"otp": code}, headers=bearer(holder["token"])
    )


async def test_a_report_pdf_needs_a_fresh_proof_and_every_download_is_audited(
    api, admin_headers, terminal, channel_apps
) -> None:
    holder, _, report_id = await reported_holder(api, terminal, channel_apps)
    mine = await api.get("/api/v1/reports", headers=bearer(holder["token"]))
    assert [(r["report_id"], r["title"]) for r in mine.json()["reports"]] == [
        (report_id, "血常规报告")
    ]
    pdf_url = f"/api/v1/reports/{report_id}/pdf"
    refused = await api.get(pdf_url, headers=bearer(holder["token"]))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "STEP_UP_REQUIRED"

    wrong = await api.post(
        "/api/v1/realname/step-up", json={"otp": "000000"}, headers=bearer(holder["token"])
    )
    assert wrong.status_code == 400
    proven = await step_up(api, holder)
    assert proven.status_code == 200 and proven.json()["status"] == "proven", proven.text
    got = await api.get(pdf_url, headers=bearer(holder["token"]))
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert got.content == PDF

    stranger = await new_holder(api, channel_apps["wechat"]["app_id"])
    assert (await api.get(pdf_url, headers=bearer(stranger["token"]))).status_code == 404

    audit = await api.get("/api/v1/admin/audit", headers=admin_headers)
    downloads = [e for e in audit.json()["entries"]
                 if e["action"] == "report.download" and e["target_id"] == report_id]  # fmt: skip
    assert len(downloads) == 1


async def test_a_fresh_face_check_of_the_holder_also_unlocks_a_report_once(
    api, admin_headers, terminal, channel_apps
) -> None:
    holder, _, report_id = await reported_holder(api, terminal, channel_apps)
    token, pdf_url = holder["token"], f"/api/v1/reports/{report_id}/pdf"
    refused = await api.get(pdf_url, headers=bearer(token))
    assert refused.status_code == 403
    assert refused.json()["error"]["methods"] == ["otp", "face"]

    # A face that failed, or someone else's passed face, proves nothing.
    failed = await face_check(api, token, holder["person"], passes=False)
    answer = await api.post("/api/v1/realname/step-up", json={"face_session": failed},
                            headers=bearer(token))  # fmt: skip
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "FACE_CHECK_FAILED"
    stranger = await new_holder(api, channel_apps["wechat"]["app_id"])
    theirs = await face_check(api, stranger["token"], stranger["person"])
    answer = await api.post("/api/v1/realname/step-up", json={"face_session": theirs},
                            headers=bearer(token))  # fmt: skip
    assert answer.json()["error"]["code"] == "FACE_CHECK_FAILED"
    assert (await api.get(pdf_url, headers=bearer(token))).status_code == 403

    passed = await face_check(api, token, holder["person"])
    proven = await api.post("/api/v1/realname/step-up", json={"face_session": passed},
                            headers=bearer(token))  # fmt: skip
    assert proven.status_code == 200, proven.text
    assert (proven.json()["status"], proven.json()["expires_in"]) == ("proven", 600)
    got = await api.get(pdf_url, headers=bearer(token))
    assert got.status_code == 200 and got.content == PDF
    again = await api.post("/api/v1/realname/step-up", json={"face_session": passed},
                           headers=bearer(token))  # fmt: skip
    assert again.json()["error"]["code"] == "FACE_CHECK_FAILED"  # spent

    async def audited(action: str, target_id: str) -> list[dict]:
        found = await api.get("/api/v1/admin/audit", headers=admin_headers,
                              params={"action": action, "target_id": target_id})  # fmt: skip
        return found.json()["entries"]

    proofs = await audited("realname.step_up", holder["user_id"])
    assert [p["detail"]["method"] for p in proofs] == ["face"]
    assert len(await audited("report.download", report_id)) == 1


async def test_a_doctor_reads_a_consenting_residents_reports_until_the_consent_ends(
    api, terminal, doctor_station, channel_apps
) -> None:
    holder, patient_id, report_id = await reported_holder(api, terminal, channel_apps)
    station = await terminal_headers(api, doctor_station)
    reports_url = f"/api/v1/pos/patients/{patient_id}/reports"
    before = await api.get(reports_url, params={"doctor_id": "D042"}, headers=station)
    assert before.status_code == 404  # no consent yet

    asked = await api.post(
        "/api/v1/pos/consent-requests", json={"doctor_id": "D042"}, headers=station
    )
    assert asked.status_code == 201, asked.text
    granted = await api.post(
        "/api/v1/consents",
        json={"code": asked.json()["qr"], "minutes": 30},
        headers=bearer(holder["token"]),
    )
    assert granted.status_code == 201, granted.text
    consent_id = granted.json()["consent_id"]
    reused = await api.post(
        "/api/v1/consents", json={"code": asked.json()["code"], "minutes": 30},
        headers=bearer(holder["token"]),
    )  # fmt: skip
    assert reused.json()["error"]["code"] == "CONSENT_CODE_INVALID"

    listed = await api.get(reports_url, params={"doctor_id": "D042"}, headers=station)
    assert [r["report_id"] for r in listed.json()["reports"]] == [report_id]
    other_doctor = await api.get(reports_url, params={"doctor_id": "D999"}, headers=station)
    assert other_doctor.status_code == 404
    pdf = await api.get(f"{reports_url}/{report_id}/pdf", params={"doctor_id": "D042"},
                        headers=station)  # fmt: skip
    assert pdf.status_code == 200 and pdf.content == PDF

    seen = await api.get("/api/v1/consents", headers=bearer(holder["token"]))
    consent = seen.json()["consents"][0]
    assert consent["active"] and consent["doctor_id"] == "D042"
    assert [(r["report_id"], r["title"]) for r in consent["reads"]] == [(report_id, "血常规报告")]

    ended = await api.delete(f"/api/v1/consents/{consent_id}", headers=bearer(holder["token"]))
    assert ended.status_code == 204
    after = await api.get(reports_url, params={"doctor_id": "D042"}, headers=station)
    assert after.status_code == 404
    late_pdf = await api.get(f"{reports_url}/{report_id}/pdf", params={"doctor_id": "D042"},
                             headers=station)  # fmt: skip
    assert late_pdf.status_code == 404
    assert not (await api.get("/api/v1/consents", headers=bearer(holder["token"]))).json()[
        "consents"
    ][0]["active"]
