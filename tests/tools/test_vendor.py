"""The vendored NHS.UK frontend: the committed files are the ones `make vendor` recorded."""

from __future__ import annotations

import hashlib
from importlib.metadata import version

from assistant.tools.vendor import TARGET, VERSION, css


def test_every_shipped_file_matches_its_recorded_sha256() -> None:
    lines = (TARGET / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"# nhsuk-frontend {VERSION}: npm tarball, then each shipped file"
    recorded = dict(reversed(line.split("  ", 1)) for line in lines[1:])
    assert f"nhsuk-frontend-{VERSION}.tgz" in recorded
    shipped = {
        str(p.relative_to(TARGET)): p
        for p in TARGET.rglob("*")
        if p.is_file() and p.name != "SHA256SUMS"
    }
    assert set(shipped) == set(recorded) - {f"nhsuk-frontend-{VERSION}.tgz"}
    for name, path in shipped.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded[name], name


def test_the_licence_travels_with_the_assets() -> None:
    licence = (TARGET / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "NHS.UK" in licence


def test_the_jinja_macros_port_the_vendored_release() -> None:
    # nhsuk-frontend-jinja 0.10.2 is the port of nhsuk-frontend 10.6.1 (its own table)
    assert (version("nhsuk-frontend-jinja"), VERSION) == ("0.10.2", "10.6.1")


def test_stylesheet_loads_nothing_from_other_sites() -> None:
    text = (TARGET / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    assert "@font-face" not in text and "https://" not in text and "url(/" not in text
    assert "sourceMappingURL" not in text
    for icon in ("nhsuk-icon-cross.svg", "nhsuk-icon-arrow-down.svg"):
        assert f"url(images/{icon})" in text and (TARGET / "images" / icon).is_file()


def test_css_rewrite_drops_web_fonts_and_points_icons_at_our_copies() -> None:
    upstream = (
        "@font-face{font-family:Frutiger W01;src:url(https://assets.nhs.uk/f.woff2)}"
        "a{background:url(/assets/images/nhsuk-icon-tick.svg)}\n/*# sourceMappingURL=x.map */"
    )
    text, icons = css(upstream)
    assert text == "a{background:url(images/nhsuk-icon-tick.svg)}\n"
    assert icons == ["nhsuk-icon-tick.svg"]
