"""Two adjustments to Typer, installed once by ``app.py``.

* Help labels in the style of gh and aws rather than Typer's own: Typer 0.29 labels
  every parameter with its Python type (``--json <bool>``, ``ECGRID_ID <str>``); a flag
  takes no value and an argument's name already says what it holds, so both lose the
  label, options show their metavar, and usage lines read ``KEY [VALUE]``.
* Plain coercion: Typer 0.29 converts every command-line value through a pydantic
  TypeAdapter, which costs every run pydantic's import and an adapter per option. This
  tool's options are only str, int, float, bool and list[str]: those are converted
  directly; anything else still goes through Typer's own path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_PLAIN = {"<str>": "TEXT", "<int>": "INTEGER", "<float>": "NUMBER"}


def install() -> None:
    """Adjust Typer's help labels and coercion; a Typer without these hooks is left as is."""
    _install_plain_coercion()
    from typer import core

    option_cls = getattr(core, "TyperOption", None)
    argument_cls = getattr(core, "TyperArgument", None)
    if option_cls is None or argument_cls is None:
        return
    if not hasattr(option_cls, "display_type_rich") or getattr(option_cls, "_ecgrid", False):
        return
    typer_label = option_cls.display_type_rich

    def option_label(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False) or getattr(self, "count", False):
            return None
        label = typer_label(self, ctx)
        return _PLAIN.get(label, label) if isinstance(label, str) else label

    def argument_label(self: Any, ctx: Any) -> str | None:
        return None

    def usage_name(self: Any) -> str:
        # Like gh: NAME when required, [NAME] when optional (Typer writes {NAME}).
        name = self.display_name_raw.strip("[]{}")
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    option_cls.display_type_rich = option_label
    argument_cls.display_type_rich = argument_label
    if hasattr(argument_cls, "_usage_display_name"):
        argument_cls._usage_display_name = usage_name
    option_cls._ecgrid = True


_PLAIN_TYPES = (str, int, float, bool)


def _install_plain_coercion() -> None:
    try:
        from typer import _coercion, core
        from typer._click.exceptions import BadParameter
    except ImportError:  # another Typer: leave it as it is
        return
    typer_build = getattr(core, "build_runtime_param", None)
    runtime_base = getattr(_coercion, "RuntimeParam", None)
    if typer_build is None or runtime_base is None or getattr(core, "_ecgrid", False):
        return

    @dataclass(frozen=True)
    class PlainRuntimeParam(runtime_base):  # type: ignore[misc, valid-type]
        kind: type = str
        many: bool = False

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.many:
                values = value if isinstance(value, list | tuple) else [value]
                return [_convert(item, self.kind, param, ctx) for item in values]
            return _convert(value, self.kind, param, ctx)

    def _convert(value: Any, kind: type, param: Any, ctx: Any) -> Any:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if kind is str or (isinstance(value, kind) and not isinstance(value, bool)):
            return value if kind is not str else str(value)
        if kind is bool:
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on", "y", "t"):
                return True
            if text in ("", "0", "false", "no", "off", "n", "f"):
                return False
            raise BadParameter(f"{value!r} is not a valid boolean.", ctx=ctx, param=param)
        try:
            return kind(str(value).strip())
        except ValueError:
            word = "integer" if kind is int else "number"
            raise BadParameter(f"{value!r} is not a valid {word}.", ctx=ctx, param=param) from None

    def build(descriptor: Any) -> Any:
        annotation = descriptor.annotation
        info = descriptor.parameter_info
        many = getattr(annotation, "__origin__", None) is list
        kind = annotation.__args__[0] if many else annotation
        simple = (
            kind in _PLAIN_TYPES
            and descriptor.file_annotation is None
            and getattr(info, "parser", None) is None
            and getattr(info, "min", None) is None
            and getattr(info, "max", None) is None
            and not getattr(info, "click_type", None)
        )
        if not simple:
            return typer_build(descriptor)
        return PlainRuntimeParam(parameter_info=info, annotation=annotation, kind=kind, many=many)

    core.build_runtime_param = build
    core._ecgrid = True
