"""References to paste into a business case: Harvard (default), APA and Vancouver.

Authors are stored Vancouver-fashion (``"McSweeney L"``); an author without initials is
treated as an organisation and written as it is. A source without authors is credited to
its publisher in Harvard and APA, and starts with its title in Vancouver. Page values in
the corpus are often locations rather than numbers ("Abstract"): numbers become "p. 12",
anything else is written as it stands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.errors import ValidationError
from assistant.evidence.corpus import Passage, Source, source_of

STYLES = ("harvard", "apa", "vancouver")
DEFAULT_STYLE = "harvard"
VANCOUVER_MAX_AUTHORS = 6
_INITIALS_RE = re.compile(r"^(.+?)\s+([A-Z]{1,4})$")
_PAGES_RE = re.compile(r"^(?:pp?\.?\s*)?(\d+)(?:\s*[-–]\s*(\d+))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Author:
    surname: str
    initials: str = ""

    def dotted(self) -> str:
        """``McSweeney, L.`` (or the organisation's name)."""
        if not self.initials:
            return self.surname
        return f"{self.surname}, {''.join(c + '.' for c in self.initials)}"

    def vancouver(self) -> str:
        return f"{self.surname} {self.initials}".strip()


def check_style(value: str | None) -> str:
    style = (value or DEFAULT_STYLE).strip().lower()
    if style not in STYLES:
        raise ValidationError(f"'style' must be one of {', '.join(STYLES)}, not {value!r}")
    return style


def parse_author(name: str) -> Author:
    found = _INITIALS_RE.match(name.strip())
    return Author(found.group(1), found.group(2)) if found else Author(name.strip())


def location(page: str | None) -> str | None:
    """``p. 12`` / ``pp. 12–14`` for page numbers, other locations unchanged."""
    if not page:
        return None
    found = _PAGES_RE.match(page.strip())
    if not found:
        return page.strip()
    first, last = found.groups()
    return f"pp. {first}–{last}" if last else f"p. {first}"


def reference(source: Source, page: str | None = None, style: str = DEFAULT_STYLE) -> str:
    """The formatted reference of ``source`` (at ``page``) in ``style``."""
    formats: dict[str, Callable[[Source, str | None], str]] = {
        "harvard": harvard,
        "apa": apa,
        "vancouver": vancouver,
    }
    return formats[check_style(style)](source, location(page))


def passage_reference(
    passage: Passage, sources: dict[str, Source], style: str = DEFAULT_STYLE
) -> str:
    """The reference of a passage's first source, at the passage's page."""
    return reference(source_of(passage, sources), passage.page, style)


def permalink(base_url: str, passage_id: str) -> str:
    """The plain URL of a passage's page, anchored at the passage."""
    return f"{base_url.rstrip('/')}/evidence/{passage_id}#passage-{passage_id}"


def harvard(source: Source, where: str | None) -> str:
    authors = [parse_author(a).dotted() for a in source.authors]
    credit = _join(authors, " and ") if authors else source.publisher
    year = f"({source.year})" if source.year else "(no date)"
    publisher = source.publisher if authors else None
    parts = [
        f"{credit} {year} {_stop(source.title)}" if credit else _stop(f"{source.title} {year}")
    ]
    parts += [_stop(", ".join(p for p in (publisher, where) if p))] if publisher or where else []
    text = _stop(" ".join(parts))
    return f"{text} Available at: {source.url}" if source.url else text


def apa(source: Source, where: str | None) -> str:
    authors = [parse_author(a).dotted() for a in source.authors]
    credit = _join(authors, ", & ", serial=True) if authors else source.publisher
    year = f"({source.year})." if source.year else "(n.d.)."
    title = f"{source.title} ({where})" if where else source.title
    parts = [f"{_stop(credit)} {year} {_stop(title)}" if credit else f"{_stop(title)} {year}"]
    parts += [_stop(source.publisher)] if source.publisher and authors else []
    parts += [source.url] if source.url else []
    return " ".join(parts)


def vancouver(source: Source, where: str | None) -> str:
    names = [parse_author(a).vancouver() for a in source.authors]
    if len(names) > VANCOUVER_MAX_AUTHORS:
        names = [*names[:VANCOUVER_MAX_AUTHORS], "et al"]
    parts = [_stop(", ".join(names))] if names else []
    parts.append(_stop(source.title))
    year = str(source.year) if source.year else "[date unknown]"
    parts.append(f"{source.publisher}; {year}." if source.publisher else f"{year}.")
    parts += [_stop(where)] if where else []
    parts += [f"Available from: {source.url}"] if source.url else []
    return " ".join(parts)


def _join(names: list[str], last: str, serial: bool = False) -> str:
    if len(names) == 1:
        return names[0]
    head = ", ".join(names[:-1])
    return f"{head}{last if serial else ' and '}{names[-1]}"


def _stop(text: str) -> str:
    """End ``text`` with a full stop unless it already ends with punctuation."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else f"{text}."
