"""JSON Schemas for DRF serializers and fields, as requests send them and replies show them.

A serializer has two shapes: what a client may write (its writable fields, with the
validation rules: required, lengths, formats, choices, patterns) and what a reply shows
(its readable fields, every one present). Write-only fields appear in the first only,
read-only ones in the second only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from django.core import validators
from django.db import models
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.settings import api_settings

Direction = Literal["request", "reply"]

# Checked in order: subclasses before the classes they extend.
STRING_FORMATS: tuple[tuple[type, str], ...] = (
    (drf_fields.EmailField, "email"),
    (drf_fields.URLField, "uri"),
    (drf_fields.UUIDField, "uuid"),
    (drf_fields.DateTimeField, "date-time"),
    (drf_fields.DateField, "date"),
    (drf_fields.TimeField, "time"),
    (drf_fields.DurationField, "duration"),
)
INTEGER_MODEL_FIELDS = (models.AutoField, models.BigAutoField, models.IntegerField)


def serializer_instance(serializer: Any) -> serializers.BaseSerializer:
    """A serializer instance for a class or an instance (many=True ones included)."""
    return serializer() if isinstance(serializer, type) else serializer


def serializer_name(serializer: Any) -> str:
    """The schema name of a serializer: its class name without ``Serializer``."""
    instance: Any = serializer_instance(serializer)
    if isinstance(instance, serializers.ListSerializer):
        instance = instance.child
    name = type(instance).__name__
    return name.removesuffix("Serializer") or name


def object_schema(
    serializer: Any, direction: Direction, partial: bool = False, nested: Callable | None = None
) -> dict[str, Any]:
    """The object a serializer reads (``request``) or writes (``reply``).

    ``partial`` makes every field optional, as a PATCH does; ``nested`` turns a nested
    serializer into a schema (inline by default).
    """
    instance: Any = serializer_instance(serializer)
    if isinstance(instance, serializers.ListSerializer):
        return {"type": "array", "items": object_schema(instance.child, direction, partial, nested)}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, field in instance.fields.items():
        if isinstance(field, drf_fields.HiddenField) or not shown(field, direction):
            continue
        properties[name] = field_schema(field, direction, nested)
        if direction == "reply" or (field.required and not partial):
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = sorted(required)
    doc = (type(instance).__doc__ or "").strip()
    if doc:
        schema["description"] = markdown(doc)
    return schema


def markdown(docstring: str) -> str:
    """A docstring as the document's Markdown: paragraphs kept, ``code`` as `code`."""
    paragraphs = [" ".join(part.split()) for part in docstring.strip().split("\n\n")]
    return "\n\n".join(paragraphs).replace("``", "`")


def shown(field: drf_fields.Field, direction: Direction) -> bool:
    return not field.read_only if direction == "request" else not field.write_only


def field_schema(field: Any, direction: Direction, nested: Callable | None = None) -> dict:
    """The schema of one field's value, with its title, description and default."""
    schema = value_schema(field, direction, nested)
    if getattr(field, "allow_null", False) and "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"] if "null" not in types else types
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
    if field.label:
        schema["title"] = str(field.label)
    if field.help_text:
        schema["description"] = str(field.help_text)
    default = field.default
    if direction == "request" and default is not drf_fields.empty and not callable(default):
        if isinstance(default, str | int | float | bool) or default is None:
            schema["default"] = default
    return schema


def value_schema(field: Any, direction: Direction, nested: Callable | None) -> dict:
    if isinstance(field, serializers.BaseSerializer):
        if nested is not None:
            return nested(field, direction)
        return object_schema(field, direction, nested=nested)
    if isinstance(field, relations.ManyRelatedField):
        return array_schema(field, value_schema(field.child_relation, direction, nested))
    if isinstance(field, relations.RelatedField):
        return related_schema(field)
    if isinstance(field, drf_fields.MultipleChoiceField):
        items = {"enum": list(field.choices)}
        return {"type": "array", "items": items, "uniqueItems": True}
    if isinstance(field, drf_fields.ChoiceField):
        choices = list(field.choices)
        if getattr(field, "allow_blank", False) and "" not in choices:
            choices.append("")
        return {"enum": choices}
    if isinstance(field, drf_fields.ListField):
        return array_schema(field, value_schema(field.child, direction, nested))
    if isinstance(field, drf_fields.DictField | drf_fields.HStoreField):
        values = value_schema(field.child, direction, nested)
        return {"type": "object", "additionalProperties": values}
    if isinstance(field, drf_fields.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, drf_fields.IntegerField):
        return number_schema(field, "integer")
    if isinstance(field, drf_fields.FloatField):
        return number_schema(field, "number")
    if isinstance(field, drf_fields.DecimalField):
        as_string = field.coerce_to_string
        if as_string is None:
            as_string = api_settings.COERCE_DECIMAL_TO_STRING
        if direction == "request":
            return {"type": ["string", "number"], "format": "decimal"}
        return {"type": "string", "format": "decimal"} if as_string else {"type": "number"}
    if isinstance(field, drf_fields.FileField):
        return {"type": "string", "format": "uri"} if direction == "reply" else {"type": "string"}
    if isinstance(field, drf_fields.CharField | drf_fields.DateField | drf_fields.DateTimeField):
        return string_schema(field, direction)
    if isinstance(field, drf_fields.TimeField | drf_fields.DurationField | drf_fields.UUIDField):
        return string_schema(field, direction)
    return {}


def array_schema(field: Any, items: dict) -> dict:
    schema: dict[str, Any] = {"type": "array", "items": items}
    if getattr(field, "min_length", None) is not None:
        schema["minItems"] = field.min_length
    if getattr(field, "max_length", None) is not None:
        schema["maxItems"] = field.max_length
    if getattr(field, "allow_empty", True) is False and "minItems" not in schema:
        schema["minItems"] = 1
    return schema


def number_schema(field: Any, kind: str) -> dict:
    schema: dict[str, Any] = {"type": kind}
    if field.min_value is not None:
        schema["minimum"] = field.min_value
    if field.max_value is not None:
        schema["maximum"] = field.max_value
    return schema


def string_schema(field: Any, direction: Direction) -> dict:
    schema: dict[str, Any] = {"type": "string"}
    string_format = next((name for kind, name in STRING_FORMATS if isinstance(field, kind)), None)
    if isinstance(field, drf_fields.CharField) and field.style.get("input_type") == "password":
        string_format = "password"
    blank = isinstance(field, drf_fields.CharField) and field.allow_blank
    if string_format not in (None, "password") and blank:
        # Blank is allowed: the format holds for any other value.
        schema["anyOf"] = [{"format": string_format}, {"maxLength": 0}]
    elif string_format:
        schema["format"] = string_format
    if direction == "reply":
        return schema
    if getattr(field, "max_length", None) is not None:
        schema["maxLength"] = field.max_length
    min_length = getattr(field, "min_length", None)
    if min_length is not None:
        schema["minLength"] = min_length
    elif isinstance(field, drf_fields.CharField) and not blank:
        schema["minLength"] = 1
    pattern = field_pattern(field)
    if pattern:
        schema["pattern"] = pattern
    return schema


def field_pattern(field: Any) -> str | None:
    """The first regular expression a field's validators require, in ECMAScript syntax."""
    for validator in getattr(field, "validators", ()):
        if isinstance(validator, validators.RegexValidator) and not validator.inverse_match:
            if validator.flags & ~re.UNICODE & ~re.ASCII:
                continue
            regex = validator.regex
            pattern = ecmascript_pattern(regex if isinstance(regex, str) else regex.pattern)
            if pattern is not None:
                return pattern
    return None


def ecmascript_pattern(pattern: str) -> str | None:
    """A Python regular expression as ECMAScript writes it, or None when it has no equivalent."""
    if re.search(r"\(\?[aiLmsux]", pattern):
        return None
    pattern = pattern.replace(r"\A", "^").replace(r"\Z", "$").replace("(?P<", "(?<")
    return None if "(?P=" in pattern else pattern


def related_schema(field: relations.RelatedField) -> dict:
    if isinstance(field, relations.HyperlinkedRelatedField):
        return {"type": "string", "format": "uri"}
    if isinstance(field, relations.SlugRelatedField | relations.StringRelatedField):
        return {"type": "string"}
    queryset = getattr(field, "queryset", None)
    if isinstance(field, relations.PrimaryKeyRelatedField) and queryset is not None:
        return model_field_schema(queryset.model._meta.pk)
    return {"type": ["integer", "string"]}


def model_field_schema(model_field: Any) -> dict:
    """The JSON type of a model field's values, for lookups and primary keys."""
    if isinstance(model_field, models.ForeignKey):
        return model_field_schema(model_field.target_field)
    if isinstance(model_field, INTEGER_MODEL_FIELDS):
        return {"type": "integer"}
    if isinstance(model_field, models.UUIDField):
        return {"type": "string", "format": "uuid"}
    if isinstance(model_field, models.CharField | models.TextField | models.SlugField):
        return {"type": "string"}
    return {"type": ["integer", "string"]}


def openapi_to_json_schema(schema: Any) -> Any:
    """An OpenAPI-style schema (DRF paginators give one) as JSON Schema: ``nullable`` becomes
    a ``null`` type, ``example`` an ``examples`` list."""
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "definitions") and isinstance(value, dict):
            result[key] = {name: openapi_to_json_schema(sub) for name, sub in value.items()}
        elif key in ("allOf", "anyOf", "oneOf") or (key == "items" and isinstance(value, list)):
            result[key] = [openapi_to_json_schema(sub) for sub in value]
        elif key in ("items", "additionalProperties", "not"):
            result[key] = openapi_to_json_schema(value)
        else:
            result[key] = value
    if result.pop("nullable", False) and "type" in result:
        types = result["type"] if isinstance(result["type"], list) else [result["type"]]
        result["type"] = [*types, "null"]
    if "example" in result:
        result["examples"] = [result.pop("example")]
    return result
