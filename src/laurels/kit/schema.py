"""What the OpenAPI document says about request fields, kept in one place.

Create bodies keep their required fields optional in Python, so that the domain
can refuse a body listing *every* missing field at once (``Missing required
fields: name, rewardType, config``). The document must still say what a client
has to send: the field is required and, since null counts as missing, never
null. :func:`required` says both, for every schema, in one way.

The constants below are the JSON-schema form of the checks in
:mod:`laurels.kit.validation` and :mod:`laurels.kit.guard`, so a generated
client and a fuzzer send what the service accepts, no more and no less.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from laurels.kit.validation import FREE_FORM_MAX_BYTES, FREE_FORM_MAX_DEPTH, INT32_MAX, INT32_MIN, MAX_SAFE_INTEGER

JsonSchema = dict[str, Any]

# The request guard refuses NUL and the other C0 controls (TAB, LF and CR excepted) in
# every string and object key, so no request schema admits them.
GUARDED_TEXT = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]*$"
# kit.validation.text for names and codes: no control character at all (so on one line), and
# not blank (Python's str.strip() also takes U+0085 for a space, ECMAScript's \s does not).
_LINE = "[^\\u0000-\\u001f]*"
ONE_LINE = f"^{_LINE}[^\\s\\u0000-\\u001f\\u0085]{_LINE}$"
# Not blank once stripped, line breaks allowed (the guard's rule otherwise).
_GUARDED = "[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]*"
NON_BLANK = f"^{_GUARDED}[^\\s\\u0000-\\u001f\\u0085]{_GUARDED}$"
# kit.validation.PUBLIC_ID_PATTERN without its look-ahead (not every generator reads one):
# 1 to 64 of these characters (the lengths say so) of which at least one is not a digit.
_ID_CHAR = "[A-Za-z0-9_.:-]"
PUBLIC_ID_REGEX = f"^{_ID_CHAR}*[A-Za-z_.:-]{_ID_CHAR}*$"

# Set on a query parameter's schema (``Query(json_schema_extra=REQUIRED_PARAMETER)``) that the
# service checks itself, so that one refusal can list every missing parameter; the document
# then marks the parameter required (see :func:`describe_requests`).
REQUIRED_PARAMETER: JsonSchema = {"x-laurels-required": True}
_REQUIRED_MARK = "x-laurels-required"


def exactly(schema: JsonSchema) -> Callable[[JsonSchema], None]:
    """A field's (or parameter's) ``json_schema_extra`` that makes its schema ``schema``.

    For fields the domain checks itself (typed ``Any`` or ``str | None`` in Python),
    so the document can say what the domain takes. Title and description are kept.
    """

    def extra(generated: JsonSchema) -> None:
        kept: JsonSchema = {k: generated[k] for k in ("title", "description") if k in generated}
        generated.clear()
        # A copy: schemas are shared, and the document is edited after it is built.
        generated.update(copy.deepcopy(schema))
        generated.update(kept)

    return extra


def enum(values: Iterable[Any]) -> Callable[[JsonSchema], None]:
    """``exactly`` a string among ``values`` (their ``.value`` for enum members)."""
    return exactly({"type": "string", "enum": [getattr(v, "value", v) for v in values]})


# kit.pagination's cursors: "id:<digits>" in unpadded URL-safe base64, so "aWQ6" and then
# the digits, three to four characters (a group) with one or two left over.
_CURSOR_PAIR = "([MN][DTjz]|O[DT])"  # the first digit (8 or 9 only under O) and half the second
_CURSOR_GROUP = f"{_CURSOR_PAIR}[AEIMQUYcgk][w-z0-5]"
_CURSOR_ONE = "([MN][AQgw]|O[AQ])"
_CURSOR_TAIL = f"({_CURSOR_GROUP}|{_CURSOR_ONE}|{_CURSOR_PAIR}[AEIMQUYcgk])"
CURSOR: JsonSchema = {
    "type": "string",
    # Up to 9 digits, or 10 starting with 0 or 1 ("M[DT]"): every id the pattern admits is 32-bit.
    "pattern": f"^aWQ6(({_CURSOR_GROUP}){{0,2}}{_CURSOR_TAIL}"
    f"|M[DT][AEIMQUYcgk][w-z0-5]({_CURSOR_GROUP}){{2}}{_CURSOR_ONE})$",
    "description": "nextCursor of the previous page, as returned.",
}
# A path segment naming a row by its public id or its integer id.
ROW_REF: JsonSchema = {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"}
# An integer id in a path where Capillary sends it as digits (at most 10: past 32 bits is a 404).
DIGITS_ID: JsonSchema = {"type": "string", "pattern": "^[0-9]{1,10}$"}


def name(max_length: int = 255, description: str | None = None) -> JsonSchema:
    """A name or code as ``kit.validation.text`` takes it: non-blank, one line, bounded."""
    schema: JsonSchema = {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": ONE_LINE}
    if description:
        schema["description"] = description
    return schema


def prose(max_length: int = 4000, description: str | None = None, *, nullable: bool = True) -> JsonSchema:
    """Free text (a description): any characters the guard lets through, bounded; null clears it."""
    schema: JsonSchema = {"type": ["string", "null"] if nullable else "string", "maxLength": max_length}
    if description:
        schema["description"] = description
    return schema


def public_id(description: str = "") -> JsonSchema:
    """A client-chosen id (``kit.validation.PUBLIC_ID_PATTERN``)."""
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": 64,
        "pattern": PUBLIC_ID_REGEX,
        "description": f"{description} 1 to 64 of A-Z a-z 0-9 _ . : -, not all digits.".strip(),
    }


def integer(minimum: int = INT32_MIN, maximum: int = INT32_MAX, description: str | None = None) -> JsonSchema:
    schema: JsonSchema = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if description:
        schema["description"] = description
    return schema


def digits(minimum: int = 0, maximum: int = INT32_MAX, description: str | None = None) -> JsonSchema:
    """An integer that may also be sent as a string of digits, as the vendor's own examples do."""
    # Digit strings short enough to be in range whatever their digits (no sign: minimum >= 0).
    most = len(str(maximum)) - 1
    pattern = f"^[0-9]{{1,{most}}}$" if minimum <= 0 else f"^[1-9][0-9]{{0,{most - 1}}}$"
    schema: JsonSchema = {"anyOf": [integer(minimum, maximum), {"type": "string", "pattern": pattern}]}
    if description:
        schema["description"] = description
    return schema


def free_form(description: str, *, nullable: bool = True) -> JsonSchema:
    """A free-form JSON object (metadata, custom fields), bounded as ``kit.validation.free_form`` bounds it."""
    return {
        "type": ["object", "null"] if nullable else "object",
        "additionalProperties": True,
        "description": f"{description} At most {FREE_FORM_MAX_DEPTH} levels deep and "
        f"{FREE_FORM_MAX_BYTES // 1024} KiB as JSON.",
    }


def nullable(schema: JsonSchema) -> JsonSchema:
    """``schema``, or null."""
    return {"anyOf": [schema, {"type": "null"}]}


SAFE_INTEGER = integer(0, MAX_SAFE_INTEGER)


# ---- required fields ---------------------------------------------------------------


def without_null(schema: JsonSchema) -> JsonSchema:
    """``schema`` with null no longer one of the values it admits."""
    result = dict(schema)
    kind = result.get("type")
    if isinstance(kind, list) and "null" in kind:
        rest = [k for k in kind if k != "null"]
        result["type"] = rest[0] if len(rest) == 1 else rest
    if isinstance(result.get("enum"), list) and None in result["enum"]:
        result["enum"] = [v for v in result["enum"] if v is not None]
    if "anyOf" in result:
        options = [o for o in result["anyOf"] if o != {"type": "null"}]
        if len(options) == 1:
            # {"anyOf": [X]} is X; its own keys sit beside the field's description.
            del result["anyOf"]
            result = {**options[0], **result}
        else:
            result["anyOf"] = options
    if result.get("default", 0) is None:
        del result["default"]
    return result


def required(*names: str) -> Callable[[JsonSchema, type], None]:
    """``model_config`` ``json_schema_extra``: these properties are required and never null.

    The Python fields stay optional (the domain lists every missing one in one
    refusal); what the document promises is what the domain takes.
    """

    def extra(schema: JsonSchema, _model: type) -> None:
        properties = schema.get("properties", {})
        for field in names:
            if field in properties:
                properties[field] = without_null(properties[field])
        schema["required"] = list(names)

    return extra


# ---- the whole document ------------------------------------------------------------


def _walk(schema: Any) -> Iterator[JsonSchema]:
    """Every subschema of ``schema`` (not following $ref)."""
    if isinstance(schema, dict):
        yield schema
        for key, value in schema.items():
            if key in ("properties", "patternProperties", "$defs", "definitions"):
                if isinstance(value, dict):
                    for item in value.values():
                        yield from _walk(item)
            elif key in ("enum", "const", "examples", "default", "required", "example"):
                continue
            else:
                yield from _walk(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _walk(item)


def _refs(schema: Any) -> Iterator[str]:
    for sub in _walk(schema):
        ref = sub.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[1]


# Any JSON value the guard lets through: what a free-form document (metadata), an unknown
# key's value (ignored, but still read by the guard) or an untyped field may hold.
GUARDED_JSON = "GuardedJsonValue"
_GUARDED_JSON_REF = {"$ref": f"#/components/schemas/{GUARDED_JSON}"}
_GUARDED_JSON_SCHEMA: JsonSchema = {
    "description": "Any JSON value without NUL or another C0 control character (TAB, LF and CR excepted) "
    "in its strings and object keys, and no NaN or Infinity.",
    "anyOf": [
        {"type": "string", "pattern": GUARDED_TEXT},
        {"type": ["number", "boolean", "null"]},
        {"type": "array", "items": _GUARDED_JSON_REF},
        {"type": "object", "propertyNames": {"pattern": GUARDED_TEXT}, "additionalProperties": _GUARDED_JSON_REF},
    ],
}
_ANNOTATIONS = frozenset({"title", "description", "default", "examples"})


def _guard(schema: JsonSchema) -> None:
    """Say what the request guard refuses in every string and object key of a request, and that
    a required property is never null (for schemas that list ``required`` without :func:`required`)."""
    for sub in _walk(schema):
        properties = sub.get("properties")
        if isinstance(properties, dict):
            for field in sub.get("required", []):
                if isinstance(properties.get(field), dict):
                    properties[field] = without_null(properties[field])
    for sub in _walk(schema):
        kinds = sub.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        plain = not any(k in sub for k in ("pattern", "enum", "const", "format", "$ref"))
        if "string" in kinds and plain:
            sub["pattern"] = GUARDED_TEXT
        if "object" in kinds and "propertyNames" not in sub:
            sub["propertyNames"] = {"pattern": GUARDED_TEXT}
        if "object" in kinds and sub.get("additionalProperties", True) is True:
            sub["additionalProperties"] = dict(_GUARDED_JSON_REF)
        if sub and set(sub) <= _ANNOTATIONS:
            # An untyped field (Any): any value, under the guard's rule.
            sub.update(_GUARDED_JSON_REF)


def describe_requests(openapi: JsonSchema) -> None:
    """Make the document's request side say what the service enforces for every route:
    the guard's character rule on every string, and parameters the service requires."""
    components = openapi.get("components", {}).get("schemas", {})
    request_schemas: set[str] = set()
    for path_item in openapi.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if schema.pop(_REQUIRED_MARK, False):
                    parameter["required"] = True
                if parameter.get("in") in ("path", "query"):
                    _guard(schema)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                body = media.get("schema", {})
                _guard(body)
                request_schemas.update(_refs(body))
    # Follow references: a request schema's nested schemas are request schemas too.
    pending = list(request_schemas)
    while pending:
        for name_ in _refs(components.get(pending.pop(), {})):
            if name_ not in request_schemas:
                request_schemas.add(name_)
                pending.append(name_)
    for name_ in request_schemas:
        if name_ in components:
            _guard(components[name_])
    components[GUARDED_JSON] = copy.deepcopy(_GUARDED_JSON_SCHEMA)
