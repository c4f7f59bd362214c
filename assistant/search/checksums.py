"""SHA-256 of files, read in blocks: a build's vectors can run to gigabytes, and hashing
them must not hold a whole file in memory."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

BLOCK = 1 << 20


def update_from_file(digest: Any, path: Path) -> None:
    """Feed the bytes of ``path`` to ``digest`` (a hashlib object), a block at a time."""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digest.update(block)


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    update_from_file(digest, path)
    return digest.hexdigest()
