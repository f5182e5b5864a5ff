"""How a resource is configured: each of its fields `x` from the environment variable
`MEDIAFLOW_X`, the resource's own default (and validation) where the variable is unset.

A resource names its secret fields in `secrets`. For Dagster they become `EnvVar`s: read when a
run starts, shown in the UI by their variable's name, never by value. A field without a default
(every secret, and identifiers such as a drive id) that is not set stops the code location from
loading and names its variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TypeVar, get_origin

from dagster import ConfigurableResource, EnvVar
from pydantic import TypeAdapter

from mediaflow_dagster.settings import MissingSetting, listed_values, variable_name

Resource = TypeVar("Resource", bound=ConfigurableResource)


def resource_from_environment(
    resource_class: type[Resource], environ: Mapping[str, str] | None = None, **fixed: Any
) -> Resource:
    """The resource for a code location: secrets as `EnvVar`s; `fixed` fields as given."""
    return _configured(resource_class, environ, secrets_by_value=False, fixed=fixed)


def client_from_environment(
    resource_class: type[Resource], environ: Mapping[str, str] | None = None, **fixed: Any
) -> Resource:
    """The resource used outside Dagster (the API, a benchmark), its secrets read now."""
    return _configured(resource_class, environ, secrets_by_value=True, fixed=fixed)


def require_environment(
    *resource_classes: type[ConfigurableResource], environ: Mapping[str, str] | None = None
) -> None:
    """Raise `MissingSetting` naming every variable the resources need and `environ` lacks."""
    missing = [
        variable
        for resource_class in resource_classes
        for variable in _missing_variables(resource_class, environ, fixed={})
    ]
    if missing:
        raise MissingSetting(sorted(set(missing)))


def _missing_variables(
    resource_class: type[ConfigurableResource],
    environ: Mapping[str, str] | None,
    fixed: dict[str, Any],
) -> list[str]:
    environ = os.environ if environ is None else environ
    return [
        variable_name(name)
        for name, field in resource_class.model_fields.items()
        if field.is_required() and name not in fixed and not environ.get(variable_name(name))
    ]


def _configured(
    resource_class: type[Resource],
    environ: Mapping[str, str] | None,
    *,
    secrets_by_value: bool,
    fixed: dict[str, Any],
) -> Resource:
    environ = os.environ if environ is None else environ
    secrets = set(getattr(resource_class, "secrets", ()))
    missing = [
        variable_name(name)
        for name in sorted(secrets - fixed.keys())
        if not environ.get(variable_name(name)) and resource_class.model_fields[name].is_required()
    ]
    if missing:
        raise MissingSetting(missing)
    values: dict[str, Any] = {}
    for name, field in resource_class.model_fields.items():
        raw = environ.get(variable_name(name))
        if name in fixed or not raw:
            continue
        if name in secrets:
            values[name] = raw if secrets_by_value else EnvVar(variable_name(name))
        else:
            values[name] = _parsed(field.annotation, raw)
    return resource_class(**values, **fixed)


def _parsed(annotation: Any, raw: str) -> Any:
    """A variable's text as the field's type; a list is a JSON list or values separated by
    commas or spaces."""
    if get_origin(annotation) is list:
        return TypeAdapter(annotation).validate_python(listed_values(raw))
    return TypeAdapter(annotation).validate_strings(raw)
