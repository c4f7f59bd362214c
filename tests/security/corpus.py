"""The bad-input corpus: hostile requests for every endpoint, as data.

Each case is one request. The tests send them to the real app (and the raw ones over a
socket to the real server) and check the same things every time: no 5xx, the JSON error
shape under ``/api/``, and no traceback or file path in any body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

FEEDBACK_PATH = "/api/feedback"  # added to the corpus when the app has the route


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


NASTY_TEXT = [
    "\ud800",
    "a\udfffb",
    "\x00",
    "nul\x00inside",
    "\u202eright-to-left",
    "\ufeffbom",
    "😀" * 300,
    "x" * 1001,
    "x" * 20_000,
    " \t\n ",
    "<script>alert(1)</script>",
    "'; DROP TABLE feedback; --",
    "../../../../etc/passwd",
    "%00%0d%0a",
    "\r\nSet-Cookie: a=b",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "²³①",
    "\u0000\u0001\u0002\u001f",
    "Ω" * 1000,
]
NASTY_IDS = [
    "",
    "..",
    "../../etc/passwd",
    "%2e%2e%2fetc%2fpasswd",
    "a" * 5000,
    "%00",
    "%ED%A0%80",
    "%FF%FE",
    "<script>",
    "%0d%0aSet-Cookie:%20a=b",
    "needs.%C2%B2",
    "CON",
    "~root",
    "%25",
]
NASTY_QUERY_VALUES = [
    "",
    "%00",
    "%ED%A0%80",
    "%FF",
    "%C2%B2",
    "%E2%91%A0",
    "-1",
    "99999999999999999999999",
    "1e9",
    "NaN",
    "a" * 5000,
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "%0d%0a",
    "[]",
    "%D9%A3",
]


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode()


def _raw_json(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def ask_cases(path: str = "/api/ask") -> list[Case]:
    cases = [
        Case(f"{path} message {n}", "POST", path, _json({"message": t}), "application/json")
        for n, t in enumerate(NASTY_TEXT)
    ]
    bodies: list[tuple[str, bytes]] = [
        ("empty body", b""),
        ("not json", b"not json"),
        ("truncated", b'{"message": "a'),
        ("array", b"[1, 2]"),
        ("string", b'"hello"'),
        ("null", b"null"),
        ("number", b"1e999"),
        ("NaN", b'{"message": NaN}'),
        ("deep arrays", b"[" * 5000 + b"]" * 5000),
        ("deep objects", b'{"a":' * 3000 + b"1" + b"}" * 3000),
        ("deep message", b'{"message": ' + b"[" * 2000 + b"]" * 2000 + b"}"),
        ("lone surrogate escape", b'{"message": "\\ud800"}'),
        ("surrogate key", b'{"\\udc00": "x"}'),
        ("invalid utf-8", b'{"message": "\xff\xfe"}'),
        ("latin-1", '{"message": "café"}'.encode("latin-1")),
        ("utf-16", '{"message": "hi"}'.encode("utf-16")),
        ("bom", b'\xef\xbb\xbf{"message": "hi"}'),
        ("duplicate keys", b'{"message": "a", "message": 5}'),
        ("message number", _json({"message": 5})),
        ("message list", _json({"message": ["a"]})),
        ("message object", _json({"message": {"a": 1}})),
        ("message null", _json({"message": None})),
        ("message bool", _json({"message": True})),
        ("node number", _json({"message": "funding", "node": 5})),
        ("node traversal", _json({"message": "funding", "node": "../../etc"})),
        ("node unknown", _json({"message": "funding", "node": "nope"})),
        ("node empty", _json({"message": "funding", "node": ""})),
        ("history string", _json({"message": "funding", "history": "x"})),
        ("history huge", _json({"message": "funding", "history": [{"message": "a"}] * 500})),
        ("history items", _json({"message": "funding", "history": [1, None, "x"]})),
        ("history cited", _json({"message": "it", "history": [{"message": "a", "citations": 5}]})),
        (
            "history cited ids",
            _json({"message": "it", "history": [{"message": "a", "citations": ["../x"] * 50}]}),
        ),
        ("history surrogate", _raw_json('{"message": "ok", "history": [{"message": "\ud800"}]}')),
        ("over body limit", b'{"message": "' + b"a" * 20_000 + b'"}'),
        ("extra fields", _json({"message": "funding", "x": [1] * 1000})),
    ]
    cases += [Case(f"{path} {n}", "POST", path, b, "application/json") for n, b in bodies]
    types = [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "application/jsonx",
        "application/xml",
        "*/*",
    ]
    cases += [
        Case(f"{path} content-type {t}", "POST", path, _json({"message": "hi"}), t) for t in types
    ]
    cases += [Case(f"{path} {m}", m, path) for m in ("GET", "PUT", "DELETE", "PATCH", "TRACE")]
    return cases


def search_cases() -> list[Case]:
    cases = []
    for param in ("q", "k", "topic", "source"):
        for n, value in enumerate(NASTY_QUERY_VALUES):
            query = f"q=funding&{param}={value}" if param != "q" else f"q={value}"
            cases.append(Case(f"/api/search {param} {n}", "GET", f"/api/search?{query}"))
            if param in ("q", "topic", "source"):
                page = f"/search?{query}"
                cases.append(Case(f"/search {param} {n}", "GET", page))
    cases.append(Case("/api/search repeated q", "GET", "/api/search?q=a&q=b&k=1&k=2"))
    cases.append(Case("/api/search POST", "POST", "/api/search", b"q=x", "text/plain"))
    return cases


def id_cases() -> list[Case]:
    templates = [
        "/api/passages/{}",
        "/api/passages/{}/cite",
        "/evidence/{}",
        "/sources/{}",
        "/answers/{}",
        "/api/answers/{}",
        "/journey/{}",
        "/api/journey/{}",
    ]
    return [
        Case(f"{t.format('ID')} {n}", "GET", t.format(v))
        for t in templates
        for n, v in enumerate(NASTY_IDS)
        if v  # an empty id is another route
    ]


def journey_cases() -> list[Case]:
    paths = [
        "/journey/needs-estimate",
        "/api/journey/needs-estimate",
        "/journey/export/brief.md",
        "/journey/export/brief.html",
        "/",
    ]
    params = ["births", "trail", "done", "node", "style"]
    return [
        Case(f"{p} {param} {n}", "GET", f"{p}?{param}={v}&trail=needs,needs-estimate")
        for p in paths
        for param in params
        for n, v in enumerate(NASTY_QUERY_VALUES[:8])
    ]


def form_cases() -> list[Case]:
    cases = []
    for path in ("/", "/embed"):
        for n, text in enumerate(NASTY_TEXT[2:12]):
            body = f"message={text}".encode("utf-8", "surrogatepass")
            cases.append(
                Case(f"{path} form {n}", "POST", path, body, "application/x-www-form-urlencoded")
            )
        form = "application/x-www-form-urlencoded"
        cases += [
            Case(f"{path} form bad bytes", "POST", path, b"message=%ED%A0%80%FF", form),
            Case(
                f"{path} form previous",
                "POST",
                path,
                b"message=it&previous=%00&previous_cited=../x",
                form,
            ),
            Case(f"{path} form node", "POST", path, b"message=hi&node=../x&trail=%FF", form),
            Case(f"{path} form huge", "POST", path, b"message=" + b"a" * 20_000, form),
            Case(
                f"{path} multipart junk",
                "POST",
                path,
                b"--x\r\njunk",
                "multipart/form-data; boundary=x",
            ),
            Case(f"{path} json", "POST", path, b'{"message": "hi"}', "application/json"),
        ]
    cases += [
        Case(f"/embed {k}", "GET", f"/embed?{k}={v}")
        for k in ("theme", "title", "host")
        for v in ("%00", "javascript:alert(1)", "a" * 3000, "%ED%A0%80", "https://evil.example")
    ]
    return cases


def header_cases() -> list[Case]:
    hosts = ["a" * 64, "a..b", "evil.example", "", "[::1]:80", "h:99999", "a_b", "-x"]
    origins = ["null", "x1://localhost", "http://localhost/1", "https://evil.example", "%00", ""]
    cases = [
        Case(f"host {n} {p}", "GET", p, headers={"Host": h})
        for n, h in enumerate(hosts)
        for p in ("/", "/api/search?q=x", "/embed/setup")
    ]
    hello = _json({"message": "hi"})
    cases += [
        Case(f"origin {n}", "POST", "/api/ask", hello, "application/json", {"Origin": o})
        for n, o in enumerate(origins)
    ]
    cases += [
        Case("forwarded spoof", "GET", "/api/search?q=x", headers={"X-Forwarded-For": "1.2.3.4"}),
        Case("forwarded host", "GET", "/embed/setup", headers={"X-Forwarded-Host": "evil"}),
        Case("accept junk", "GET", "/api/search?q=x", headers={"Accept": "\x00" * 10}),
        Case("options", "OPTIONS", "/api/ask", headers={"Origin": "https://evil.example"}),
        Case("head", "HEAD", "/"),
        Case("widget etag", "GET", "/widget/v1.js", headers={"If-None-Match": "*" * 4000}),
        Case("range", "GET", "/widget/v1.js", headers={"Range": "bytes=99999-1"}),
        Case("static traversal", "GET", "/static/../../../etc/passwd"),
        Case("static encoded", "GET", "/static/%2e%2e/%2e%2e/pyproject.toml"),
        Case("unknown", "GET", "/nope/%ED%A0%80"),
        Case("healthz post", "POST", "/healthz", b"x", "text/plain"),
        Case("healthz query", "GET", "/healthz?%ED%A0%80=%FF"),
        Case("metrics post", "POST", "/metrics", b"x", "text/plain"),
        Case("metrics query", "GET", "/metrics?name[]=%ED%A0%80&%00=%FF"),
        Case("metrics forged", "GET", "/metrics", headers={"X-Forwarded-For": "127.0.0.1"}),
        Case(
            "metrics request id", "GET", "/metrics", headers={"X-Request-ID": "<x> " + "x" * 5000}
        ),
        Case("about query", "GET", "/about?%00=%00"),
        Case("sources query", "GET", "/sources?sort=%FF"),
        Case("journey start", "GET", "/journey?trail=%ED%A0%80"),
        Case("setup query", "GET", "/embed/setup?host=javascript:alert(1)"),
    ]
    return cases


def page_cases() -> list[Case]:
    """The printable conversation, the notices, feedback forms and the curator area."""
    form = "application/x-www-form-urlencoded"
    cases = [Case(f"{p} plain", "GET", p) for p in ("/favicon.ico", "/accessibility", "/privacy")]
    for n, text in enumerate(NASTY_TEXT[2:10]):
        query = quote(text.encode("utf-8", "surrogatepass"), safe="")
        cases.append(Case(f"/conversation {n}", "GET", f"/conversation?q={query}&q=%FF"))
    for path in ("/feedback", "/embed/feedback"):
        cases += [
            Case(f"{path} empty", "POST", path, b"", form),
            Case(f"{path} forged id", "POST", path, b"answer_id=x.y.z&helpful=yes", form),
            Case(f"{path} bad helpful", "POST", path, b"answer_id=1&helpful=%FF%00", form),
            Case(f"{path} json", "POST", path, b'{"answer_id": 1}', "application/json"),
        ]
    cases += [
        Case(f"{FEEDBACK_PATH} {c.name}", c.method, FEEDBACK_PATH, c.body, c.content_type)
        for c in ask_cases(FEEDBACK_PATH)[:20]
    ]
    for path in (
        "/admin/",
        "/admin/inbox",
        "/admin/inbox.csv",
        "/admin/api/inbox",
        "/admin/insight",
        "/admin/cards?show=%00",
        "/admin/api/cards",
        "/admin/users",
        "/admin/audit",
        "/admin/login",
        "/admin/sso",
        "/admin/sso/callback?state=%00&code=%FF",
    ):
        cases.append(Case(f"{path} signed out", "GET", path))
    for path in ("/admin/login", "/admin/logout", "/admin/inbox/1", "/admin/users/1/disable"):
        cases += [
            Case(f"{path} no token", "POST", path, b"email=a%00&password=%FF", form),
            Case(f"{path} json", "POST", path, b"[]", "application/json"),
        ]
    return cases


def all_cases() -> list[Case]:
    return [
        *ask_cases(),
        *page_cases(),
        *search_cases(),
        *id_cases(),
        *journey_cases(),
        *form_cases(),
        *header_cases(),
    ]


# Requests only a raw socket can send (the server parses them before the app does).
RAW = [
    ("lowercase method", b"get /api/search?q=x HTTP/1.1\r\nHost: h\r\n\r\n"),
    ("bad content-length", b"POST /api/ask HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"),
    ("letters content-length", b"POST /api/ask HTTP/1.1\r\nHost: h\r\nContent-Length: ab\r\n\r\n"),
    (
        "duplicate content-length",
        b"POST /api/ask HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}",
    ),
    ("gzip encoding", b"POST /api/ask HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"),
    (
        "chunked and length",
        b"POST /api/ask HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3"
        b"\r\n\r\n0\r\n\r\n",
    ),
    ("bad chunk", b"POST /api/ask HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
    ("long url", b"GET /api/search?q=" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: h\r\n\r\n"),
    ("long header", b"GET /api/search HTTP/1.1\r\nHost: h\r\nX: " + b"a" * 20_000 + b"\r\n\r\n"),
    ("many headers", b"GET / HTTP/1.1\r\nHost: h\r\n" + b"X-A: 1\r\n" * 3000 + b"\r\n"),
    ("header crlf", b"GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n Folded: 2\r\n\r\n"),
    ("bare lf", b"GET / HTTP/1.1\nHost: h\n\n"),
    ("nul in path", b"GET /\x00 HTTP/1.1\r\nHost: h\r\n\r\n"),
    ("space in path", b"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"),
    ("absolute uri", b"GET http://evil.example/api/search?q=x HTTP/1.1\r\nHost: h\r\n\r\n"),
    ("http/0.9", b"GET /\r\n\r\n"),
    ("http/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    ("bad version", b"GET / HTTP/9.9\r\nHost: h\r\n\r\n"),
    ("no host", b"GET /api/search?q=x HTTP/1.1\r\n\r\n"),
    ("two hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
    ("bad host bytes", b"GET / HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n"),
    ("header no colon", b"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"),
    ("header space name", b"GET / HTTP/1.1\r\nHost: h\r\nBad Name: 1\r\n\r\n"),
    ("unknown method", b"BREW /api/ask HTTP/1.1\r\nHost: h\r\n\r\n"),
    ("expect", b"POST /api/ask HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
     b"Content-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"),
    ("body over limit", b"POST /api/ask HTTP/1.1\r\nHost: h\r\nContent-Length: 999999999\r\n\r\n"),
    ("crlf in query", b"GET /api/search?q=a%0d%0aSet-Cookie:%20x=y HTTP/1.1\r\nHost: h\r\n\r\n"),
    ("junk line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),
]  # fmt: skip
