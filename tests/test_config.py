from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, describe, load_settings
from assistant.errors import ConfigError


def readme_settings() -> list[tuple[str, str, str]]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(PAIR_[A-Z_]+)` \| `([^`]*)` \| (.+?) \|$", text, flags=re.M)
    return [(v, d, m) for v, d, m in rows]


def test_readme_settings_table_matches_the_declarations() -> None:
    assert readme_settings() == describe(), "run `pair-assistant settings` and paste the table"


def test_environment_overrides_defaults() -> None:
    settings = load_settings(
        env={"PAIR_TOP_K": "7", "PAIR_LOG_QUERIES": "yes", "PAIR_INDEX_DIR": "/tmp/x"}
    )
    assert settings.top_k == 7
    assert settings.log_queries is True
    assert settings.index_dir == Path("/tmp/x")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PAIR_TOP_K": "five"}, "PAIR_TOP_K='five' is not a valid int"),
        ({"PAIR_AUTO_REBUILD": "maybe"}, "PAIR_AUTO_REBUILD='maybe' is not a valid bool"),
        ({"PAIR_ABSTAIN_THRESHOLD": "high"}, "PAIR_ABSTAIN_THRESHOLD='high' is not a valid float"),
        ({"PAIR_RECORD_DELAY_SECONDS": "soon"}, "PAIR_RECORD_DELAY_SECONDS='soon' is not a number"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(env=env)


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("0.5", 0.5), ("0", 0.0), ("-2", 0.0), ("nan", 0.0), ("inf", 0.0), ("600", 60.0)],
)
def test_the_record_delay_is_read_within_its_bounds(raw: str, seconds: float) -> None:
    assert load_settings(env={"PAIR_RECORD_DELAY_SECONDS": raw}).record_delay_seconds == seconds


def test_unknown_override_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(env={}, overrides={"colour": "blue"})
