"""docs/api.md names every route that /openapi.json publishes, and no route that is gone."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from api.settings import Settings
from api.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
HEADING = re.compile(r"^### `(GET|POST|PUT|PATCH|DELETE) (/\S+)`$", re.MULTILINE)


def published() -> set[tuple[str, str]]:
    doc = create_app(Settings.from_env()).state.openapi
    return {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}


def test_docs_api_md_has_a_section_for_every_route_in_openapi_json() -> None:
    documented = set(HEADING.findall((ROOT / "docs" / "api.md").read_text(encoding="utf-8")))
    routes = published()
    assert len(routes) > 60
    missing = sorted(routes - documented)
    gone = sorted(documented - routes)
    assert not missing, f"routes missing from docs/api.md: {missing}"
    assert not gone, f"docs/api.md documents routes that do not exist: {gone}"


def test_the_generated_sections_match_the_current_routes() -> None:
    """Fields and error codes too: run scripts/api_reference.py after changing a route."""
    check = subprocess.run(
        [sys.executable, "scripts/api_reference.py", "--check"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr


def test_the_readme_links_the_reference_and_nothing_outside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/api.md)" in readme
    for doc in (readme, (ROOT / "docs" / "api.md").read_text(encoding="utf-8")):
        targets = re.findall(r"\]\(([^)]+)\)", doc) + re.findall(r"<(https?://[^>]+)>", doc)
        for target in targets:
            local = target.startswith(("http://127.0.0.1", "http://localhost")) or not (
                "://" in target or target.startswith("..")
            )
            assert local, f"link outside the repository: {target}"
            if "://" not in target:
                assert (ROOT / target.split("#")[0]).exists(), f"broken link: {target}"
        assert "../shared" not in doc
