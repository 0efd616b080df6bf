from __future__ import annotations

import json
import logging

from app.logs import JsonFormatter, RequestIdFilter, TextFormatter, request_id_var


def record(message: str, **extra: object) -> logging.LogRecord:
    made = logging.makeLogRecord({"name": "app.test", "levelname": "INFO", "msg": message, **extra})
    RequestIdFilter().filter(made)
    return made


def test_json_line_carries_request_id_and_extra_fields() -> None:
    token = request_id_var.set("req-7")
    try:
        line = JsonFormatter().format(record("GET /healthz 200", status=200, duration_ms=1.5))
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "GET /healthz 200"
    assert entry["request_id"] == "req-7"
    assert entry["status"] == 200
    assert entry["duration_ms"] == 1.5
    assert entry["level"] == "INFO"
    assert "\n" not in line


def test_text_line_outside_a_request_has_no_id() -> None:
    line = TextFormatter().format(record("worker started"))
    assert line.endswith("app.test: worker started")
