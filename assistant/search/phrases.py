"""Where each word and mark stands in each passage: quoted phrases found without reading text.

A quoted phrase matches as :func:`phrase_pattern` says: its words whole, any case, any
run of white space between them, in the passage's text, heading or section (joined by
line breaks). A passage's joined text is a run of tokens: each run of word characters
(lower-cased, see :func:`word_key`) and each run of other characters that is not only
white space, kept as it is; white space alone between two words leaves no token, so two
words stand side by side exactly when only white space parts them. The build stores,
for every token, the places it stands (one number per token of the corpus, passage
after passage, with an empty place between passages), so a phrase is the places where
its tokens follow each other: a few binary searches over the postings of its rarest
words, however many passages hold it.

A phrase is found this way when each of its words is ASCII but for marks with no case
("£300", "2019–20"); others are left to the pattern (see :func:`plain_word`). Tests
check the answer against the pattern, passage by passage.
"""

from __future__ import annotations

import json
import os
import re
import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

# The files of a build's ``phrases/`` folder
FILES = ("words.npy", "word_ends.npy", "marks.json", "postings.npy", "indptr.npy", "bounds.npy")
_SPLIT = re.compile(r"(\w+)")
# a run of word characters, or a run of other characters holding one that is no space
# (tried at the start of each run: a run of spaces alone fails at each of its places)
_TOKEN = re.compile(r"\w+|\W*[^\w\s]\W*")
_WORD = re.compile(r"\w+")

# The characters that ``re.IGNORECASE`` matches with an ASCII letter but that
# ``str.lower()`` does not turn into it, or turns into two characters (the tests check
# every code point): a text without them holds an ASCII word, case ignored, exactly where
# its lower-case form holds the lower-case word.
FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")
# each of them as the ASCII letter the pattern takes it for
_TO_ASCII = str.maketrans(
    {
        c: a
        for c in FOLDS_TO_ASCII
        for a in "abcdefghijklmnopqrstuvwxyz"
        if re.fullmatch(a, c, re.IGNORECASE)
    }
)


@lru_cache(maxsize=256)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The phrase as whole words, any case, any run of spaces between (escaped, never a
    regex from the query): "Section 75" finds "section  75" but not "Section 750"."""
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def plain_word(word: str) -> bool:
    """Whether ``word`` is ASCII but for marks with no case that are no word character
    ("£300", "2019–20"): the pattern matches it where the lower-cased text holds it
    lower-cased, and its terms are the terms of the ASCII runs between the marks."""
    return word.isascii() or all(c.isascii() or caseless_mark(c) for c in word)


@lru_cache(maxsize=4096)
def caseless_mark(char: str) -> bool:
    """Neither a word character nor a character with case (lower-casing it, upper-casing
    it, and matching it in any case leave it as it is: the tests check every code
    point)."""
    return not (char.isalnum() or char == "_") and char.lower() == char == char.upper()


def word_key(run: str) -> str:
    """A run of word characters as the token it is stored under: an ASCII word in the
    phrase matches the run, case ignored, exactly when its lower-case form is this."""
    if run.isascii():
        return run.lower()
    return run.translate(_TO_ASCII).lower()


def joined_text(text: str, heading: str, section: str) -> str:
    """What a phrase is looked for in: the passage's text, heading and section."""
    return f"{text}\n{heading}\n{section}"


def is_word(token: str) -> bool:
    """Whether a token of :func:`tokens` is a word (else it is a run of marks)."""
    return _WORD.fullmatch(token) is not None


def tokens(joined: str) -> list[str]:
    """``joined`` as its tokens, as they stand: each run of word characters, and each run
    between them that is not white space alone (a word is a token that is all word
    characters; its key is :func:`word_key` of it)."""
    return _TOKEN.findall(joined)


@dataclass(frozen=True)
class Shape:
    """A phrase as its index finds it: its word runs, the pattern each gap between them
    must fill (None: white space only), and what must end the run before its first
    word and begin the one after its last ('' for nothing)."""

    words: tuple[str, ...]
    gaps: tuple[str | None, ...]
    before: str
    after: str


def shape(phrase: str) -> Shape | None:
    """The phrase's :class:`Shape`, or None when the index cannot answer for it (a word
    with letters outside ASCII, or no word characters at all)."""
    words: list[str] = []
    gaps: list[str | None] = []
    before, pending = "", ""
    for n, word in enumerate(phrase.split()):
        if not plain_word(word):
            return None
        if n:
            pending += r"\s+"
        for i, part in enumerate(_SPLIT.split(word)):
            if not i % 2:
                pending += re.escape(part)
            elif words:
                gaps.append(None if pending == r"\s+" else pending)
                words.append(part.lower())
                pending = ""
            else:
                before, pending = pending, ""
                words.append(part.lower())
    if not words:
        return None
    return Shape(tuple(words), tuple(gaps), before, pending)


class PhraseIndex:
    """The places of every token of every passage (see the module's notes).

    ``words`` and ``word_ends`` hold the word tokens in sorted order as UTF-8 (token
    ``n`` is ``words[word_ends[n - 1]:word_ends[n]]``); ``marks`` are the other tokens,
    numbered after the words. Token ``t`` stands at ``postings[indptr[t]:indptr[t + 1]]``
    (ascending); passage ``p``'s tokens are at ``bounds[p]`` up to ``bounds[p + 1] - 1``,
    the place left empty."""

    def __init__(
        self,
        words: np.ndarray,
        word_ends: np.ndarray,
        marks: list[str],
        postings: np.ndarray | PostingsFile,
        indptr: np.ndarray,
        bounds: np.ndarray,
    ) -> None:
        self.words = words
        self.word_ends = word_ends
        self.marks = marks
        self.postings = postings
        self.indptr = indptr
        self.bounds = bounds
        # (pattern, how) -> mark tokens; kept on the index so it goes with it on a reload
        self._mark_cache: dict[tuple[str, str], list[int]] = {}

    @property
    def size(self) -> int:
        return len(self.bounds) - 1

    @classmethod
    def load(cls, folder: Path) -> PhraseIndex:
        """The arrays memory-mapped: a phrase reads the postings of its own words only."""

        def mapped(name: str) -> np.ndarray:
            array: np.ndarray = np.load(folder / name, mmap_mode="r", allow_pickle=False)
            return array

        marks = json.loads((folder / "marks.json").read_text(encoding="utf-8"))
        found = cls(
            mapped("words.npy"),
            mapped("word_ends.npy"),
            marks,
            PostingsFile(folder / "postings.npy"),
            mapped("indptr.npy"),
            mapped("bounds.npy"),
        )
        if len(found.indptr) != len(found.word_ends) + len(marks) + 1:
            raise ValueError("the phrase index's token lists do not match its tokens")
        return found

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {
            "words.npy": self.words,
            "word_ends.npy": self.word_ends,
            "postings.npy": np.asarray(self.postings),
            "indptr.npy": self.indptr,
            "bounds.npy": self.bounds,
        }
        for name, array in arrays.items():
            np.save(folder / name, np.ascontiguousarray(array), allow_pickle=False)
        (folder / "marks.json").write_text(json.dumps(self.marks, ensure_ascii=False), "utf-8")

    def holding(self, phrase: str) -> np.ndarray | None:
        """Positions of the passages holding ``phrase``, ascending; None when the index
        cannot answer for it (see :func:`shape`)."""
        found = shape(phrase)
        if found is None:
            return None
        places = self._places(found)
        if not len(places):
            return np.zeros(0, dtype=np.int64)
        passages = np.searchsorted(self.bounds, places, side="right") - 1
        return np.unique(passages).astype(np.int64)

    def _places(self, found: Shape) -> np.ndarray:
        """Where the phrase's first word stands in each of its matches."""
        steps = self._steps(found)
        if steps is None:
            return np.zeros(0, dtype=np.int64)
        anchor = min(range(len(steps)), key=lambda n: self._count(steps[n][1]))
        offset, ids = steps[anchor]
        places = self._at(ids) - offset
        for n, (offset, ids) in enumerate(steps):
            if n != anchor and len(places):
                places = places[self._held(places + offset, ids)]
        last = steps[-1][0]
        if found.before and len(places):
            places = places[self._edge(places - 1, found.before, start=True)]
        if found.after and len(places):
            places = places[self._edge(places + last + 1, found.after, start=False)]
        return places

    def _steps(self, found: Shape) -> list[tuple[int, list[int]]] | None:
        """(place after the first word, tokens that may stand there) for each word and
        each gap of the phrase that is not white space alone; None when a word or gap
        is in no passage."""
        steps: list[tuple[int, list[int]]] = []
        offset = 0
        for n, word in enumerate(found.words):
            if n:
                gap = found.gaps[n - 1]
                if gap is not None:
                    offset += 1
                    marks = self._marks(rf"(?:{gap})", "full")
                    if not marks:
                        return None
                    steps.append((offset, marks))
                offset += 1
            token = self._word(word)
            if token is None:
                return None
            steps.append((offset, [token]))
        return steps

    def _edge(self, places: np.ndarray, pattern: str, start: bool) -> np.ndarray:
        """Which ``places`` hold a mark token that ends (``start``: the run before the
        phrase) or begins (the run after it) with ``pattern``, so that a non-word
        character or the passage's edge stands beyond it."""
        within = self._marks(pattern, "suffix" if start else "prefix")
        whole = self._marks(rf"(?:{pattern})", "full")
        keep = self._held(places, within)
        if whole:
            edge = places if start else places + 2
            at = np.minimum(np.searchsorted(self.bounds, edge), len(self.bounds) - 1)
            keep |= self._held(places, whole) & (self.bounds[at] == edge)
        return keep

    def _marks(self, pattern: str, how: str) -> list[int]:
        """The mark tokens that ``pattern`` fills wholly ("full"), or that end
        ("suffix") or begin ("prefix") with it and hold at least one more character."""
        cached = self._mark_cache.get((pattern, how))
        if cached is None:
            cached = self._mark_cache[(pattern, how)] = self._find_marks(pattern, how)
        return cached

    def _find_marks(self, pattern: str, how: str) -> list[int]:
        compiled = re.compile(pattern, re.IGNORECASE)
        ends = re.compile(rf"(?:{pattern})\Z", re.IGNORECASE)
        first = len(self.word_ends)
        found = []
        for n, mark in enumerate(self.marks):
            if how == "full":
                ok = compiled.fullmatch(mark) is not None
            elif how == "suffix":
                ok = ends.search(mark, 1) is not None
            else:
                m = compiled.match(mark)
                ok = m is not None and m.end() < len(mark)
            if ok:
                found.append(first + n)
        return found

    def _word(self, key: str) -> int | None:
        """The token number of word ``key``, by binary search of the sorted words."""
        wanted = key.encode("utf-8")
        low, high = 0, len(self.word_ends)
        while low < high:
            mid = (low + high) // 2
            if self._word_bytes(mid) < wanted:
                low = mid + 1
            else:
                high = mid
        return low if low < len(self.word_ends) and self._word_bytes(low) == wanted else None

    def _word_bytes(self, n: int) -> bytes:
        start = int(self.word_ends[n - 1]) if n else 0
        return bytes(self.words[start : int(self.word_ends[n])])

    def _list(self, token: int) -> np.ndarray:
        """The places of ``token``, ascending."""
        listed: np.ndarray = self.postings[int(self.indptr[token]) : int(self.indptr[token + 1])]
        return listed

    def _count(self, ids: list[int]) -> int:
        return sum(int(self.indptr[t + 1] - self.indptr[t]) for t in ids)

    def _at(self, ids: list[int]) -> np.ndarray:
        lists = [self._list(t) for t in ids]
        found = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
        return np.sort(found.astype(np.int64)) if len(ids) > 1 else found.astype(np.int64)

    def _held(self, places: np.ndarray, ids: list[int]) -> np.ndarray:
        """Which of ``places`` one of the tokens ``ids`` stands at."""
        keep = np.zeros(len(places), dtype=bool)
        for t in ids:
            listed = self._list(t)
            if len(listed):
                at = np.minimum(np.searchsorted(listed, places), len(listed) - 1)
                keep |= listed[at] == places
        return keep


class PostingsFile:
    """A saved postings array read a slice at a time, as a phrase needs it.

    Memory-mapping it would leave the pages a server's phrases touched in its memory (the
    kernel maps whole runs of the page cache at a time, up to megabytes for a binary
    search's single read), until a worker held most of the file; read this way they stay
    in the page cache, which every worker shares and the system can reclaim."""

    def __init__(self, path: Path) -> None:
        header = np.load(path, mmap_mode="r", allow_pickle=False)
        self.path = path
        self.dtype = header.dtype
        self.offset = int(header.offset)
        self.size = int(header.shape[0])
        del header  # only its layout is kept
        # one descriptor, read at offsets (no shared file position: threads and forked
        # workers read it at once), closed when the index holding it is let go
        self._fd: int | None = None
        if hasattr(os, "preadv"):  # not on Windows: there each slice opens the file
            self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            self._closer = weakref.finalize(self, os.close, self._fd)

    def close(self) -> None:
        """Close the descriptor now (later reads open the file each time)."""
        if self._fd is not None:
            self._fd = None
            self._closer()

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, span: slice) -> np.ndarray:
        start, stop, _step = span.indices(self.size)
        count = max(0, stop - start)
        offset = self.offset + start * self.dtype.itemsize
        fd = self._fd
        if fd is None:
            return np.fromfile(self.path, dtype=self.dtype, count=count, offset=offset)
        found = np.empty(count, dtype=self.dtype)
        view, filled = found.data.cast("B"), 0
        while filled < view.nbytes:  # a read may return less than asked
            got = os.preadv(fd, [view[filled:]], offset + filled)
            if got == 0:  # the file ends early, as np.fromfile stops
                return found[: filled // self.dtype.itemsize]
            filled += got
        return found

    def __array__(self, dtype: np.dtype | None = None, copy: bool | None = None) -> np.ndarray:
        return self[:].astype(dtype) if dtype is not None else self[:]
