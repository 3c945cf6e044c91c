"""Commands that say what happened: run as a new user would, on a fresh embedded data
directory (no PostgreSQL or Redis needed: the defaults are embedded)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("EHC_")}


def ehc(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=tmp, env=CLEAN_ENV, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_db_upgrade_says_whether_it_created_the_schema_or_found_it_current(tmp_path) -> None:
    first = ehc(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout and "0001_initial" in first.stdout
    again = ehc(tmp_path, "db", "upgrade")
    assert again.returncode == 0, again.stderr
    assert "already current" in again.stdout and "created" not in again.stdout


def test_a_fresh_database_takes_schedules_once_its_hospital_is_added(tmp_path) -> None:
    visit = (date.today() + timedelta(days=3)).isoformat()
    csv = tmp_path / "schedules.csv"
    csv.write_text(
        "hospital_code,department_code,department_name,doctor_code,doctor_name,date,period,"
        f"start,end,slot_minutes,capacity,fee\nH001,D01,内科,DR1,王医生,{visit},morning,"
        "08:00,09:00,30,2,1500\n",
        encoding="utf-8",
    )
    refused = ehc(tmp_path, "schedules", "import", str(csv))
    assert refused.returncode == 1 and "unknown hospital H001" in refused.stdout
    added = ehc(tmp_path, "hospitals", "add", "H001", "示范医院")
    assert added.returncode == 0, added.stderr
    assert "hospital H001 created: 示范医院, Asia/Shanghai" in added.stdout
    renamed = ehc(tmp_path, "hospitals", "add", "H001", "示范医院总院", "--checkin-opens", "-1")
    assert "hospital H001 updated: 示范医院总院" in renamed.stdout
    assert "check-in opens at booking" in renamed.stdout
    imported = ehc(tmp_path, "schedules", "import", str(csv))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "1 schedules imported, 0 rows refused" in imported.stdout
    wrong_zone = ehc(tmp_path, "hospitals", "add", "H002", "别院", "--timezone", "Mars/Base")
    assert wrong_zone.returncode == 2 and "unknown time zone" in wrong_zone.stderr


def test_reconcile_without_a_payment_app_says_nothing_was_downloaded(tmp_path) -> None:
    answer = ehc(tmp_path, "reconcile", "--date", date.today().isoformat(), "--method", "wechat")
    assert answer.returncode == 2
    assert "no wechat payment app is registered" in answer.stderr
    assert "bill lines" not in answer.stdout
