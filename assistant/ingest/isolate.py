"""Read one document in a child process with time and memory limits.

A hostile file (a zip bomb, an XML entity bomb, a flate bomb in a PDF) can make a parser
use gigabytes or run for minutes, or fail with any exception its library has. Each
document is therefore read by a child process (``python -m assistant.ingest.isolate``)
with an address-space and CPU-time limit and a wall-clock deadline; whatever goes wrong
there comes back as one :class:`IngestError` naming the file, and the next file is read
as usual. The child prints the document as JSON (no pickle).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.ingest.document import Block, DocMeta, Document, IngestError

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Limits:
    """What one document may cost to read."""

    seconds: float = 120.0
    memory_bytes: int = 1_000_000_000
    text_chars: int = 5_000_000
    unpacked_bytes: int = 200_000_000


def read_isolated(path: Path, limits: Limits) -> Document:
    """The document at ``path``, read by a child process within ``limits``."""
    command = [sys.executable, "-m", "assistant.ingest.isolate", str(path.resolve())]
    command += [repr(limits.seconds), str(limits.memory_bytes), str(limits.text_chars)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=limits.seconds, check=False)
    except subprocess.TimeoutExpired:
        raise IngestError(
            f"{path.name}: reading took longer than {limits.seconds:g} s "
            "(PAIR_INGEST_TIMEOUT); the file may be damaged or hostile"
        ) from None
    try:
        payload = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        raise IngestError(
            f"{path.name}: the reader stopped (exit status {done.returncode}); reading it may "
            f"need more than {limits.memory_bytes:,} bytes of memory (PAIR_INGEST_MAX_MEMORY) "
            "or time"
        ) from None
    if "error" in payload:
        raise IngestError(payload["error"])
    return _document(payload["document"])


def main(argv: list[str]) -> None:
    """The child: read one file, print ``{"document": ...}`` or ``{"error": ...}`` as JSON."""
    from assistant.ingest.readers import reader_for

    path = Path(argv[0])
    limits = Limits(float(argv[1]), int(argv[2]), int(argv[3]))
    _limit(limits)
    try:
        document = reader_for(path)(path)
        chars = sum(len(b.text) for b in document.blocks)
        if chars > limits.text_chars:
            raise IngestError(
                f"{path.name}: {chars:,} characters of text is over the limit of "
                f"{limits.text_chars:,} (PAIR_INGEST_MAX_TEXT_CHARS)"
            )
        message: dict[str, Any] = {"document": asdict(document)}
    except IngestError as exc:
        message = {"error": exc.message}
    except (MemoryError, RecursionError) as exc:
        message = {
            "error": f"{path.name}: reading it needed more than the memory allowed "
            f"({limits.memory_bytes:,} bytes, PAIR_INGEST_MAX_MEMORY) ({type(exc).__name__})"
        }
    except Exception as exc:  # any parser failure is this one file's problem
        message = {"error": f"{path.name}: not a readable document ({_reason(exc)})"}
    sys.stdout.write(json.dumps(message, ensure_ascii=True))


def _limit(limits: Limits) -> None:
    """Cap the child's memory above what it already uses, and its CPU time."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        used = int(handle.read().split()[0]) * _PAGE
    cap = used + limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    seconds = max(1, int(limits.seconds) + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def _reason(exc: BaseException) -> str:
    first = (str(exc).splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _document(data: dict[str, Any]) -> Document:
    blocks = tuple(Block(b["text"], tuple(b["path"]), b["page"]) for b in data["blocks"])
    meta = data["meta"]
    return Document(
        data["kind"],
        blocks,
        DocMeta(meta["title"], tuple(meta["authors"]), meta["publisher"], meta["year"]),
        data["pages"],
    )


if __name__ == "__main__":
    main(sys.argv[1:])
