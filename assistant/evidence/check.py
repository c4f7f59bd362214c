"""Validate the evidence corpus: sources, passages, topic files and near-duplicates.

Every problem is a :class:`~assistant.evidence.corpus.Problem` (``file:line: message``), so the
content team can jump straight to it. The near-duplicate check compares passage vectors
from the real model; it reuses the built index's vectors when the index matches the
corpus and model, and embeds the passages otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import yaml

from assistant.evidence.cards import card_problems
from assistant.evidence.corpus import (
    COLLECTION,
    EVIDENCE_GRADES,
    SOURCE_TYPES,
    Corpus,
    Passage,
    Source,
    parse_corpus,
)
from assistant.evidence.provenance import (
    address_problems,
    grade_consistency_problems,
    grade_problems,
    review_problems,
)
from assistant.evidence.review import lock_file, orphan_problems, unstamped_problems
from assistant.evidence.text import word_count
from assistant.evidence.yamlsrc import Problem

MIN_WORDS = 40
MAX_WORDS = 180
NEAR_DUPLICATE = 0.95
# Sites that re-host other publishers' documents: never the publisher, so never `url`.
AGGREGATOR_HOSTS = (
    "tomesphere.com",
    "arxivlens.com",
    "vdocuments.us",
    "vdocuments.net",
    "vdocuments.mx",
    "vdocument.in",
    "fdocuments.net",
    "fdocuments.in",
    "docslib.org",
    "studylib.net",
    "dokumen.tips",
    "paperzz.com",
    "pdfslide.net",
    "pdfslide.us",
    "abcdocz.com",
    "readkong.com",
    "kipdf.com",
    "documents.pub",
    "sparrho.com",
    "suppr.wilddata.cn",
    "miragenews.com",
    "scribd.com",
    "studyres.com",
    "dokumen.pub",
    "cupdf.com",
    "docplayer.net",
    "vdocuments.site",
    "parallelparliament.co.uk",
    "pubcompare.ai",
    "wikipedia.org",
    "thefreelibrary.com",
    "searchworks.jioinstitute.edu.in",
    "notes.adriansteffan.com",
    "everglowtherebeccakruzafoundation.co.uk",
    "discovery.researcher.life",
    "researchgate.net",
    "epdf.tips",
    "epdf.mx",
    "pdffox.com",
    "healthdocbox.com",
    "docksci.com",
    "yumpu.com",
    "slideshare.net",
    "coek.info",
    "docest.com",
    "wikisum.wiki",
    # repositories that hold a copy: cite the journal, keep these as copy_url
    "pmc.ncbi.nlm.nih.gov",
    "ncbi.nlm.nih.gov",
    "europepmc.org",
    # development, preview and feed hosts of real publishers
    "mi-aimh.workroomdesign.com",
    "mdedge9-ma1.mdedge.com",
    "nscap.devarea.co.uk",
    "article-swipe.standard.co.uk",
    "feeds.bbci.co.uk",
    "herokuapp.com",
    "vercel.app",
    "netlify.app",
)
_STAGING_RE = re.compile(r"(^|\.)(staging|stage|dev|test|beta|preview|uat|qa\d*|cache)\.")
_HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")

Vectoriser = Callable[[list[Passage]], np.ndarray]


def check_corpus(
    corpus_dir: Path, vectorise: Vectoriser | None = None, asked: Iterable[str] = ()
) -> list[Problem]:
    """Every problem in the corpus, in file order; ``vectorise`` enables the duplicate check,
    ``asked`` (the eval's questions) the rule that no card phrasing copies one."""
    corpus = parse_corpus(corpus_dir)
    problems = list(corpus.problems)
    problems += card_problems(corpus.cards, {p.id: p.text for p in corpus.passages}, asked)
    problems += unstamped_problems(corpus.cards)
    problems += orphan_problems(corpus.cards, corpus.lock_lines, lock_file(corpus_dir))
    problems += grade_problems(corpus) + grade_consistency_problems(corpus)
    problems += address_problems(corpus) + review_problems(corpus)
    problems += source_problems(corpus, corpus_dir)
    problems += passage_problems(corpus.passages)
    problems += topic_problems(corpus_dir, corpus)
    if vectorise is not None and corpus.passages:
        problems += duplicate_problems(corpus.passages, vectorise(corpus.passages))
    return sorted(set(problems), key=lambda p: (p.file, p.line, p.message))


def source_problems(corpus: Corpus, corpus_dir: Path) -> list[Problem]:
    used = {sid for p in corpus.passages for sid in p.source_ids}
    problems: list[Problem] = []
    for source in corpus.sources.values():
        found = []
        if source.id not in used:
            found.append(("id", f"source {source.id!r} is not cited by any passage"))
        found += _source_type(source) + _source_urls(source)
        lines = _entry_lines(corpus_dir, source)
        problems += [Problem(source.file, lines.get(k, source.line), m) for k, m in found]
    return problems


def _source_type(source: Source) -> list[tuple[str, str]]:
    if source.type is None:
        return [] if ingested(source.file) else [("id", f"source {source.id!r} has no 'type'")]
    if source.type not in SOURCE_TYPES:
        allowed = ", ".join(SOURCE_TYPES)
        return [("type", f"unknown source type {source.type!r}; use one of: {allowed}")]
    return []


def _source_urls(source: Source) -> list[tuple[str, str]]:
    problems = []
    for key, url in (("url", source.url), ("copy_url", source.copy_url)):
        if url is not None:
            problems += [(key, message) for message in url_problems(key, url)]
    if source.url is None and source.copy_url is None and not ingested(source.file):
        problems.append(("id", f"source {source.id!r} has neither 'url' nor 'copy_url'"))
    return problems


def url_problems(key: str, url: str) -> Iterator[str]:
    """What is wrong with a source's ``url`` or ``copy_url`` (nothing when it is fine)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        yield f"{key} must start with https:// ({url})"
    elif not _HOST_RE.match(host) or any(c.isspace() for c in url):
        yield f"{key} is not a well-formed address ({url})"
    elif key == "url" and is_aggregator(host):
        yield f"url is an aggregator copy ({host}), not the publisher; move it to copy_url"
    elif key == "url" and _STAGING_RE.search(host):
        yield f"url points at a staging or development site ({host}), not the live page"


def is_aggregator(host: str) -> bool:
    return any(host == a or host.endswith("." + a) for a in AGGREGATOR_HOSTS)


def ingested(file: str) -> bool:
    """Local documents added with `pair-assistant ingest` (they may have no public URL)."""
    return file.startswith(f"{COLLECTION}/")


def passage_problems(passages: list[Passage]) -> list[Problem]:
    """Length and grade rules for written passages; ingested documents are cut as they
    come (short final chunks, no grade unless one was given), so only the maximum applies.
    """
    problems: list[Problem] = []
    for p in passages:
        written = not ingested(p.file)
        words = word_count(p.text)
        if words > MAX_WORDS or (written and words < MIN_WORDS):
            message = f"passage {p.heading!r} has {words} words; keep it {MIN_WORDS} to {MAX_WORDS}"
            problems.append(Problem(p.file, p.line, message))
        if p.evidence is None and written:
            problems.append(Problem(p.file, p.line, f"passage {p.heading!r} has no 'evidence:'"))
        elif p.evidence is not None and p.evidence not in EVIDENCE_GRADES:
            allowed = ", ".join(EVIDENCE_GRADES)
            message = f"unknown evidence grade {p.evidence!r}; use one of: {allowed}"
            problems.append(Problem(p.file, p.line, message))
    return problems


def topic_problems(corpus_dir: Path, corpus: Corpus) -> list[Problem]:
    """Front matter names the file's topic; every topic file holds at least one passage."""
    files = {p.file for p in corpus.passages}
    problems: list[Problem] = []
    for path in sorted(corpus_dir.rglob("*.md")):
        if path.name == "README.md":
            continue
        rel = path.relative_to(corpus_dir).as_posix()
        problems += _front_topic(path, rel)
        if rel not in files:
            problems.append(Problem(rel, 1, "topic file has no passages"))
    return problems


def _front_topic(path: Path, rel: str) -> list[Problem]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if not lines or lines[0].strip() != "---":
        return [
            Problem(rel, 1, f"no front matter; start the file with '---' and topic: {path.stem}")
        ]
    for n, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return [Problem(rel, 1, f"front matter has no 'topic:'; add topic: {path.stem}")]
        if line.startswith("topic:"):
            topic = _scalar(line.split(":", 1)[1])
            if topic != path.stem:
                return [
                    Problem(rel, n, f"topic {topic!r} does not match the file name {path.stem!r}")
                ]
            return []
    return []  # never closed: parse_corpus reports it


def _scalar(raw: str) -> str:
    try:
        return str(yaml.safe_load(raw))
    except yaml.YAMLError:
        return raw.strip()


def duplicate_problems(passages: list[Passage], vectors: np.ndarray) -> list[Problem]:
    """Pairs of passages whose vectors are closer than :data:`NEAR_DUPLICATE` (cosine)."""
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -1.0)
    problems = []
    for i, j in zip(*np.nonzero(np.triu(similarity) > NEAR_DUPLICATE), strict=True):
        a, b = passages[int(i)], passages[int(j)]
        message = (
            f"passage {b.heading!r} nearly duplicates {a.file}:{a.line} {a.heading!r} "
            f"(cosine {similarity[i, j]:.3f}); merge them or make each one idea"
        )
        problems.append(Problem(b.file, b.line, message))
    return problems


def _entry_lines(corpus_dir: Path, source: Source) -> dict[str, int]:
    """Line of each ``key:`` inside the source's YAML entry."""
    found: dict[str, int] = {"id": source.line}
    path = corpus_dir / source.file
    if not source.line or not path.is_file():
        return found
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    for n in range(source.line - 1, len(lines)):
        if n >= source.line and lines[n].lstrip().startswith("- "):
            break
        key = lines[n].strip().removeprefix("- ").split(":", 1)[0]
        found.setdefault(key, n + 1)
    return found
