"""The package's exceptions.

    PairError                   base: a message fit to show a user, and a stable ``code``
    ├── ConfigError             a setting has a bad value
    ├── CorpusError             a corpus file is malformed (names file and line)
    ├── IndexError_             the index is missing, stale or damaged (says how to fix)
    ├── ModelError              the embedding model cannot be loaded
    ├── ValidationError         user input is unacceptable (status 422 on the API)
    ├── NotFound                an id that does not exist (status 404 on the API)
    └── Gone                    a passage id from an earlier build (status 410 on the API)

The web layer turns these into ``{"error": {"code", "message"}}`` with ``status``; the CLI
prints the message on one line and exits non-zero.
"""

from __future__ import annotations


class PairError(Exception):
    code = "error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(PairError):
    code = "bad_setting"


class CorpusError(PairError):
    code = "bad_corpus"


class IndexError_(PairError):
    """``reason`` is what is wrong, without the fix the message adds."""

    code = "index_unavailable"
    status = 503

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class ModelError(PairError):
    code = "model_unavailable"
    status = 503


class ValidationError(PairError):
    code = "invalid_input"
    status = 422


class NotFound(PairError):
    code = "not_found"
    status = 404


class Gone(PairError):
    code = "gone"
    status = 410
