"""Requests for the cross-shop isolation test (test_isolation.py): every id a route takes —
path, query, body or form — handed out by a `Filler`, and JSON bodies built from the app's
OpenAPI so that they are valid apart from the ids."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# What each id-like name in a path, query, body or form names. A route with a new id-like
# name fails the isolation test until the name is added here or to CATALOGUE, so no id a
# route takes can go unfilled.
KIND_OF = {
    "cycle_id": "cycle",
    "cycle": "cycle",
    "to_cycle_id": "other_cycle",
    "objective_id": "objective",
    "objective_ids": "objective",
    "parent_id": "other_objective",
    "retrospectives": "objective",  # objective id -> its retrospective
    "key_result_id": "key_result",
    "event_id": "event",
    "export_id": "export",
    "link_id": "link",
    "created": "link",  # the sharing page's "link just made"
    "customer_id": "customer",
    "initiative_id": "initiative",
    "survey_id": "survey",  # an initiative of the survey type (the Surveys section's)
    "key_result_ids": "key_result",  # the key results an initiative targets
    "sync_id": "sync",  # a backfill's or reconciliation's run (Operations)
}
# Names that look like ids but name the app's catalogue, the same for every shop: the value
# to send (None: leave the optional field out).
CATALOGUE: dict[str, object] = {"key": "net_sales", "template_ids": None}
# Object kinds spelt out as a name ("cycle=3") are ids too.
KIND_NAMES = {
    "cycle", "objective", "key_result", "check_in", "event", "export", "link", "shop", "initiative",
}  # fmt: skip

# (slot, kind) -> the id to send. A slot says where the id goes ("path.cycle_id"); the
# filler decides whose object it names.
Fill = Callable[[str, str], str]
JSON = dict[str, Any]


class CannotFill(Exception):
    """The test cannot build a valid request for a route: it must be taught (the message
    says how) — never silently skipped."""


def looks_like_id(name: str) -> bool:
    return name.endswith(("_id", "_ids")) or name in KIND_NAMES or name in KIND_OF


def kind_of(name: str, route: str) -> str:
    kind = KIND_OF.get(name)
    if kind is None:
        raise CannotFill(
            f"{route}: `{name}` looks like an id; tell the isolation test which object it "
            "names (KIND_OF) or that it names the catalogue (CATALOGUE)"
        )
    return kind


@dataclass
class Filler:
    """Hands out the ids of one request: `own` objects everywhere, except in the `chosen`
    slots (None: every slot), which get the `other` shop's. Records every slot it was asked
    for and what it sent of the other's."""

    own: Mapping[str, str]
    other: Mapping[str, str]
    chosen: Collection[str] | None = frozenset()
    slots: dict[str, str] = field(default_factory=dict)  # slot -> kind, in order
    sent: set[str] = field(default_factory=set)

    def __call__(self, slot: str, kind: str) -> str:
        self.slots[slot] = kind
        if self.chosen is None or slot in self.chosen:
            self.sent.add(self.other[kind])
            return self.other[kind]
        return self.own[kind]


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    json: JSON | None = None
    form: dict[str, str] | None = None


@dataclass(frozen=True)
class ApiOperation:
    """One operation of the OpenAPI document, and how to send it."""

    method: str
    path: str
    spec: JSON

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def operation(self) -> JSON:
        operation: JSON = self.spec["paths"][self.path][self.method.lower()]
        return operation

    def bodies(self) -> list[JSON | None]:
        """Bodies to try, in order, until one is accepted for the shop's own objects: the
        documented examples, then the required fields alone, then every field."""
        content = self.operation.get("requestBody", {}).get("content", {})
        if not content:
            return [None]
        if set(content) != {"application/json"}:
            raise CannotFill(f"{self.name}: a body of {sorted(content)} cannot be built")
        schema = resolve(self.spec, content["application/json"]["schema"])
        examples = [dict(example) for example in schema.get("examples", [])]
        built = [object_value(self.spec, schema, self.name, every) for every in (False, True)]
        return [*examples, *built]

    def call(self, fill: Fill, body: JSON | None) -> Call:
        """The request with every id — path, query and body — taken from `fill`."""
        url, params = self.path, {}
        for parameter in self.operation.get("parameters", []):
            name, where = parameter["name"], parameter["in"]
            value = self._value(fill, f"{where}.{name}", parameter, parameter["schema"])
            if value is None:
                continue
            if where == "path":
                url = url.replace(f"{{{name}}}", str(value))
            elif where == "query":
                params[name] = str(value)
            elif parameter.get("required"):
                raise CannotFill(f"{self.name}: a required {where} parameter `{name}`")
        return Call(self.method, url, params, self._filled(fill, body))

    def _filled(self, fill: Fill, body: JSON | None) -> JSON | None:
        if body is None:
            return None
        content = self.operation["requestBody"]["content"]["application/json"]
        properties = resolve(self.spec, content["schema"]).get("properties", {})
        filled = dict(body)
        for name, schema in properties.items():
            if looks_like_id(name):
                value = self._value(fill, f"body.{name}", {"name": name}, schema)
                filled[name] = value
        return {name: value for name, value in filled.items() if value is not None}

    def _value(self, fill: Fill, slot: str, parameter: JSON, schema: JSON) -> object:
        name = parameter["name"]
        if name in CATALOGUE:
            return CATALOGUE[name]
        if looks_like_id(name):
            return typed_id(self.spec, fill(slot, kind_of(name, self.name)), schema)
        if parameter.get("required"):
            return example_value(self.spec, schema, f"{self.name} {slot}")
        return None


def resolve(spec: JSON, schema: JSON) -> JSON:
    """The schema behind a `$ref`; of an optional one (`anyOf` with null), the non-null one."""
    while True:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            continue
        choices: list[JSON] = schema.get("anyOf") or schema.get("oneOf") or []
        options = [option for option in choices if option != {"type": "null"}]
        if options:
            schema = options[0]
            continue
        return schema


def typed_id(spec: JSON, value: str, schema: JSON) -> object:
    """An id as the field takes it: a number, a list of one, or a map keyed by it."""
    resolved = resolve(spec, schema)
    match resolved.get("type"):
        case "integer":
            return int(value)
        case "array":
            return [typed_id(spec, value, resolved["items"])]
        case "object":
            return {value: "Filled in by the isolation test"}
        case _:
            return value


def object_value(spec: JSON, schema: JSON, where: str, everything: bool) -> JSON:
    """An object with its required fields (`everything`: all its fields) filled by type."""
    required = set(schema.get("required", []))
    return {
        name: example_value(spec, field_schema, f"{where} {name}")
        for name, field_schema in schema.get("properties", {}).items()
        if everything or name in required
    }


def example_value(spec: JSON, schema: JSON, where: str) -> object:
    """A valid value by the schema: its example, first choice, or a value inside its bounds."""
    schema = resolve(spec, schema)
    if schema.get("examples"):
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    match schema.get("type"):
        case "string":
            return _string(schema, where)
        case "integer":
            return round(_within(schema, 1))
        case "number":
            return _within(schema, 1.0)
        case "boolean":
            return False
        case "array":
            minimum = schema.get("minItems", 0)
            return [example_value(spec, schema["items"], where) for _ in range(minimum)]
        case "object":
            return object_value(spec, schema, where, everything=False)
    raise CannotFill(f"{where}: no value for the schema {schema}")


def _string(schema: JSON, where: str) -> str:
    now = datetime.now(UTC)  # when the test runs, never at import
    match schema.get("format"):
        case "date":
            return now.date().isoformat()
        case "date-time":
            return now.isoformat()
        case "email":
            return "owner@example.com"
    if "pattern" in schema:
        raise CannotFill(f"{where}: no value for the pattern {schema['pattern']}")
    return "x" * max(1, int(schema.get("minLength", 1)))


def _within(schema: JSON, default: float) -> float:
    """A number inside the schema's bounds (their middle when it has both)."""
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and high is not None:
        return (float(low) + float(high)) / 2
    if low is not None:
        return float(low) + 1
    if high is not None:
        return float(high) - 1
    return default
