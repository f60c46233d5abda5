"""Type labels on help screens, in the style of gh and aws rather than Typer's own.

Typer 0.29 labels every parameter with its Python type: ``--json <bool>``,
``ECGRID_ID <str>``. A flag takes no value and an argument's name already says what it
holds, so both lose the label; options show their metavar, or a plain word for the type.
"""

from __future__ import annotations

from typing import Any

_PLAIN = {"<str>": "TEXT", "<int>": "INTEGER", "<float>": "NUMBER"}


def install() -> None:
    """Adjust Typer's help labels; a Typer without these hooks is left as it is."""
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
