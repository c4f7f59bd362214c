"""The collection of ingested documents: ``<corpus>/ingested/``.

Each document becomes ``<source id>.md`` (a topic file in the corpus format) plus an entry
in ``sources.yaml`` beside it, so :func:`assistant.evidence.corpus.parse_corpus` reads them with the
built-in evidence. Files are written to a temporary name and moved into place with
``os.replace``; the source entry goes in before the passages that cite it and comes out
after them, so a crash never leaves a passage citing an unknown source. A lock file
serialises concurrent runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from assistant.evidence.corpus import COLLECTION, parse_corpus
from assistant.evidence.files import write_atomically
from assistant.ingest.document import Document, IngestError
from assistant.ingest.render import Chunk, chunks, render

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


@dataclass(frozen=True)
class Options:
    """What the command line says about a document; None means take it from the file."""

    source_id: str | None = None
    title: str | None = None
    publisher: str | None = None
    year: int | None = None
    url: str | None = None
    type: str | None = None
    evidence: str | None = None
    replace: bool = False


@dataclass(frozen=True)
class Ingested:
    source_id: str
    title: str
    kind: str
    pages: int
    passages: int
    added: int
    removed: int
    unchanged: int


def slug(text: str) -> str:
    """A source id from a file name: ASCII letters and digits, accents dropped.

    A name whose letters do not all have a Latin spelling (``计划``, ``план-2025``) also gets
    a short hash of the whole name, so two such names never share an id.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    latin = "".join(c for c in decomposed if not unicodedata.combining(c))
    base = re.sub(r"[^a-z0-9]+", "-", latin.lower()).strip("-")
    lost = any(c.isalnum() and not c.isascii() for c in latin)
    if not lost:
        return base[:80] or "document"
    digest = hashlib.sha256(unicodedata.normalize("NFC", text).encode()).hexdigest()[:8]
    return f"{base[:70]}-{digest}" if base else f"document-{digest}"


class Collection:
    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = corpus_dir
        self.dir = corpus_dir / COLLECTION
        self.sources_file = self.dir / "sources.yaml"

    def entries(self) -> list[dict[str, Any]]:
        if not self.sources_file.is_file():
            return []
        data = yaml.safe_load(self.sources_file.read_text(encoding="utf-8")) or {}
        return list(data.get("sources") or [])

    def add(self, path: Path, document: Document, options: Options) -> Ingested:
        """Write (or replace) the document's passages and source entry."""
        source_id = options.source_id or slug(path.stem)
        if not _ID_RE.match(source_id):
            raise IngestError(f"{path.name}: source id {source_id!r} must be a-z, 0-9 and hyphens")
        with self._locked():
            self._check_id_free(path, source_id)
            if not options.replace:
                self._check_not_replacing(path, source_id)
            entry = _entry(path, document, options, source_id)
            found = chunks(document, source_id, entry["title"])
            text = render(found, _front(source_id, entry["title"], options))
            _verify(path, source_id, entry, text, found)
            before = self._passage_ids(source_id)
            entry["ingested"]["passages"] = len(found)
            self._write_entries(_replaced(self.entries(), entry))
            write_atomically(self.dir / f"{source_id}.md", text)
        ids = {c.id for c in found}
        return Ingested(
            source_id,
            entry["title"],
            document.kind,
            document.pages,
            len(found),
            added=len(ids - before),
            removed=len(before - ids),
            unchanged=len(ids & before),
        )

    def remove(self, source_id: str) -> dict[str, Any]:
        with self._locked():
            entries = self.entries()
            entry = next((e for e in entries if e.get("id") == source_id), None)
            if entry is None:
                raise IngestError(f"no ingested source {source_id!r}; see `sources list`")
            (self.dir / f"{source_id}.md").unlink(missing_ok=True)
            self._write_entries([e for e in entries if e.get("id") != source_id])
        return entry

    def _passage_ids(self, source_id: str) -> set[str]:
        if not (self.dir / f"{source_id}.md").is_file():
            return set()
        corpus = parse_corpus(self.dir)
        return {p.id for p in corpus.passages if p.file == f"{source_id}.md"}

    def _check_id_free(self, path: Path, source_id: str) -> None:
        """Built-in sources are not the collection's to replace."""
        for other in self.corpus_dir.rglob("sources.yaml"):
            if other.parent == self.dir:
                continue
            data = yaml.safe_load(other.read_text(encoding="utf-8")) or {}
            if any(e.get("id") == source_id for e in data.get("sources") or []):
                rel = other.relative_to(self.corpus_dir)
                raise IngestError(
                    f"{path.name}: source id {source_id!r} is already used in {rel}; "
                    "choose another with --source-id"
                )

    def _check_not_replacing(self, path: Path, source_id: str) -> None:
        """Updating a document keeps its file name; another file under the id is refused."""
        for entry in self.entries():
            held = (entry.get("ingested") or {}).get("file")
            if entry.get("id") == source_id and held and held != path.name:
                raise IngestError(
                    f"{path.name}: source id {source_id!r} already holds {held}; add --replace "
                    "to replace it, or choose another id with --source-id"
                )

    def _write_entries(self, entries: list[dict[str, Any]]) -> None:
        header = "# Written by `pair-assistant ingest`; manage with `pair-assistant sources`.\n"
        body = yaml.safe_dump({"sources": entries}, allow_unicode=True, sort_keys=False)
        write_atomically(self.sources_file, header + body)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with (self.dir / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _entry(path: Path, document: Document, options: Options, source_id: str) -> dict[str, Any]:
    meta = document.meta
    title = options.title or meta.title or path.stem.replace("_", " ").replace("-", " ")
    entry: dict[str, Any] = {"id": source_id, "title": " ".join(title.split())}
    optional = {
        "authors": list(meta.authors) or None,
        "publisher": options.publisher or meta.publisher,
        "year": options.year or meta.year,
        "url": options.url,
        "type": options.type,
    }
    entry.update({k: v for k, v in optional.items() if v is not None})
    provenance = {
        "file": path.name,
        "format": document.kind,
        "pages": document.pages or None,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    entry["ingested"] = {k: v for k, v in provenance.items() if v is not None}
    return entry


def _front(source_id: str, title: str, options: Options) -> dict[str, str]:
    front = {"topic": source_id, "title": title, "source": source_id}
    if options.evidence:
        front["evidence"] = options.evidence
    return front


def _replaced(entries: list[dict[str, Any]], entry: dict[str, Any]) -> list[dict[str, Any]]:
    ids = [e.get("id") for e in entries]
    if entry["id"] in ids:
        return [entry if e.get("id") == entry["id"] else e for e in entries]
    return [*entries, entry]


def _verify(
    path: Path, source_id: str, entry: dict[str, Any], text: str, found: list[Chunk]
) -> None:
    """Parse the rendered file as the index will, before anything is written."""
    with tempfile.TemporaryDirectory(prefix="pair-ingest-") as tmp:
        folder = Path(tmp)
        (folder / f"{source_id}.md").write_text(text, encoding="utf-8")
        sources = yaml.safe_dump({"sources": [entry]}, allow_unicode=True)
        (folder / "sources.yaml").write_text(sources, encoding="utf-8")
        corpus = parse_corpus(folder)
    if corpus.problems or [p.id for p in corpus.passages] != [c.id for c in found]:
        problem = corpus.problems[0] if corpus.problems else "passages differ when read back"
        raise IngestError(f"{path.name}: could not be written as evidence ({problem})")
