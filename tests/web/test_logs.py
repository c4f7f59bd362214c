"""Request ids and log lines (text or JSON), and the settings that shape them."""

from __future__ import annotations

import json
import logging
import re

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from assistant.cli import main
from assistant.commands.logs import JsonFormatter, TextFormatter

QUESTION = "How many specialised parent-infant teams are in England zebracorn?"
GENERATED = re.compile(r"[0-9a-f]{32}")


def test_every_response_carries_a_new_request_id(client: FlaskClient) -> None:
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3 and all(GENERATED.fullmatch(i) for i in ids)
    refused = client.post("/api/ask", json={"message": ""})
    assert refused.status_code == 422 and GENERATED.fullmatch(refused.headers["X-Request-ID"])


@pytest.mark.parametrize("offered", ["req-123", "0b6a3c1e-7d2f-4a55-9d1e-3f0c2b9a8e71", "a.b:c_d"])
def test_a_well_formed_incoming_id_is_kept(client: FlaskClient, offered: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": offered})
    assert response.headers["X-Request-ID"] == offered


@pytest.mark.parametrize("offered", ["two words", "<script>", "a" * 129, "-dash-first", "é"])
def test_a_malformed_incoming_id_is_replaced(client: FlaskClient, offered: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": offered})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def json_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records]


def test_json_access_lines_name_the_endpoint_never_the_question(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    headers = {"X-Request-ID": "req-json-1"}
    assert client.post("/api/ask", json={"message": QUESTION}, headers=headers).status_code == 200
    client.get("/search", query_string={"q": QUESTION})
    lines = json_lines(caplog)
    [line] = [x for x in lines if x.get("endpoint") == "api.ask"]
    assert line["request_id"] == "req-json-1"
    assert line["method"] == "POST" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["logger"] == "assistant.web.access" and line["level"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert line["message"].startswith("POST api.ask 200 ")
    assert any(x.get("endpoint") == "search.page" for x in lines)
    assert "zebracorn" not in json.dumps(lines)


def test_every_line_logged_during_a_request_carries_its_id(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with app.test_request_context("/", headers={"X-Request-ID": "req-inner"}):
        logging.getLogger("assistant.search.engine").warning("something noteworthy")
    logging.getLogger("assistant.search.engine").warning("outside any request")
    inside, outside = json_lines(caplog)[-2:]
    assert inside["request_id"] == "req-inner" and inside["message"] == "something noteworthy"
    assert "request_id" not in outside


def test_probes_that_succeed_are_logged_quietly(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client.get("/healthz")
    client.get("/metrics")
    assert not [r for r in caplog.records if r.name == "assistant.web.access"]
    client.get("/metrics", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    [refused] = [r for r in caplog.records if r.name == "assistant.web.access"]
    assert refused.getMessage().startswith("GET metrics.metrics 404 ")


def test_text_lines_end_with_the_request_id(app: Flask) -> None:
    formatter = TextFormatter("%(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("assistant.web")
    with app.test_request_context("/", headers={"X-Request-ID": "req-text"}):
        inside = log.makeRecord("assistant.web", logging.INFO, __file__, 1, "hi", (), None)
    outside = log.makeRecord("assistant.web", logging.INFO, __file__, 1, "hi", (), None)
    assert formatter.format(inside) == "INFO assistant.web: hi [req-text]"
    assert formatter.format(outside) == "INFO assistant.web: hi"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PAIR_LOG_FORMAT": "xml"},
            "Error: PAIR_LOG_FORMAT='xml' is not a valid choice of text, json",
        ),
        (
            {"PAIR_METRICS_ALLOW": "127.0.0.1,10.0.0.0/33"},
            "Error: PAIR_METRICS_ALLOW: '10.0.0.0/33' is not an IP address or network",
        ),
        (
            {"PAIR_METRICS_ALLOW": "localhost"},
            "Error: PAIR_METRICS_ALLOW: 'localhost' is not an IP address or network",
        ),
    ],
)
def test_bad_log_or_metrics_settings_stop_the_server_with_one_line(
    runner: CliRunner, env: dict[str, str], message: str
) -> None:
    result = runner.invoke(main, ["serve"], env=env)
    assert result.exit_code == 1
    assert result.output.startswith(message) and result.output.count("\n") == 1
    assert "Traceback" not in result.output
