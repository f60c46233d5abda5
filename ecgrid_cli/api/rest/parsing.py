"""Turn the ``data`` of a REST envelope into models, refusing shapes that are wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ecgrid_cli.errors import InvalidResponseError

M = TypeVar("M", bound=BaseModel)


def one(model: type[M]) -> Callable[[Any], M]:
    def parse(data: Any) -> M:
        if not isinstance(data, dict):
            raise InvalidResponseError(
                f"expected an object in the response data, got {type(data).__name__}"
            )
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise InvalidResponseError(describe(model, exc)) from None

    return parse


def many(model: type[M]) -> Callable[[Any], list[M]]:
    single = one(model)

    def parse(data: Any) -> list[M]:
        return [single(item) for item in page_items(data)]

    return parse


def page_items(data: Any) -> list[Any]:
    """The items of a list answer in any of the three documented page shapes.

    A plain array; ``{totalRecords, pageNo, recordsPerPage, <items>}``; or null.
    """
    if data is None:
        return []
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        lists = [value for value in data.values() if isinstance(value, list)]
        if len(lists) == 1:
            return lists[0]
        if not lists and "totalRecords" in data:
            return []
    raise InvalidResponseError(f"expected a list in the response data, got {type(data).__name__}")


def integer(data: Any) -> int:
    """A count or an ID: a whole number, never negative."""
    if isinstance(data, int) and not isinstance(data, bool) and data >= 0:
        return data
    text = data.strip() if isinstance(data, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 19:
        return int(text)
    raise InvalidResponseError(f"expected an integer in the response data, got {data!r:.60}")


def true(data: Any) -> bool:
    if data is True or data is None:
        return True
    raise InvalidResponseError(f"expected true in the response data, got {data!r:.60}")


def describe(model: type[BaseModel], exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "value"
    return f"unexpected {model.__name__} in the response: {where}: {first.get('msg', 'invalid')}"


def without_none(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}
