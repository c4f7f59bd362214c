"""Refresh the vendored NHS.UK frontend (``make vendor``): compiled CSS, JS, icons, licence.

Fetches the pinned ``nhsuk-frontend`` release with ``npm pack`` (npm checks the registry's
integrity hash), then writes ``assistant/static/nhsuk/``. The compiled files are committed,
so a fresh clone needs neither npm nor node_modules. Two changes to the upstream CSS:
the Frutiger ``@font-face`` rules are dropped (the font is licensed to NHS.UK and our
Content-Security-Policy allows fonts from this service only; the stack falls back to
Arial), and icon URLs point at our copies. ``SHA256SUMS`` records the tarball and every
shipped file; a test checks the files against it.

The Jinja macros come from ``nhsuk-frontend-jinja``, pinned in pyproject.toml to the
release that ports this version.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "10.6.1"
PACKAGE = "nhsuk-frontend"
TARGET = Path(__file__).resolve().parents[1] / "static" / "nhsuk"
DIST = "package/dist/nhsuk/"
ICONS = ("favicon.ico", "favicon.svg", "nhsuk-icon-180.png")
LICENCE = """MIT License

Copyright (c) 2019 NHS.UK

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""
_FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
_SOURCE_MAP = re.compile(r"\s*/[*/]# sourceMappingURL=\S+(?: \*/)?\s*$")
_ICON_URL = re.compile(r"url\(/assets/images/([a-z0-9-]+\.svg)\)")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(workdir: Path) -> Path:
    """``npm pack`` the pinned release into `workdir`; the tarball's path."""
    subprocess.run(
        [
            "npm",
            "pack",
            "--loglevel=error",
            f"{PACKAGE}@{VERSION}",
            "--pack-destination",
            str(workdir),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return workdir / f"{PACKAGE}-{VERSION}.tgz"


def css(text: str) -> tuple[str, list[str]]:
    """The stylesheet without web fonts or a source map, and the icons it uses."""
    icons = sorted(set(_ICON_URL.findall(text)))
    text = _FONT_FACE.sub("", text)
    text = _ICON_URL.sub(lambda m: f"url(images/{m.group(1)})", text)
    return _SOURCE_MAP.sub("\n", text), icons


def shipped(tarball: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file we ship, taken from the release tarball."""
    with tarfile.open(tarball) as tar:

        def read(name: str) -> bytes:
            member = tar.extractfile(DIST + name)
            if member is None:
                raise SystemExit(f"{name} is missing from {tarball.name}")
            return member.read()

        style, icons = css(read("nhsuk-frontend.min.css").decode("utf-8"))
        script = _SOURCE_MAP.sub("\n", read("nhsuk-frontend.min.js").decode("utf-8"))
        files = {
            "nhsuk-frontend.min.css": style.encode("utf-8"),
            "nhsuk-frontend.min.js": script.encode("utf-8"),
            "LICENSE": LICENCE.encode("utf-8"),
        }
        for icon in (*ICONS, *icons):
            files[f"images/{icon}"] = read(f"assets/images/{icon}")
    return files


def write(files: dict[str, bytes], tarball_sha: str) -> None:
    if TARGET.exists():
        shutil.rmtree(TARGET)
    for name, data in files.items():
        path = TARGET / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    lines = [f"# {PACKAGE} {VERSION}: npm tarball, then each shipped file"]
    lines.append(f"{tarball_sha}  {PACKAGE}-{VERSION}.tgz")
    lines += [f"{sha256(files[name])}  {name}" for name in sorted(files)]
    (TARGET / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tarball = fetch(Path(tmp))
        write(shipped(tarball), sha256(tarball.read_bytes()))
    print(f"vendored {PACKAGE} {VERSION} into {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
