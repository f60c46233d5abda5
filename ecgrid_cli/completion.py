"""Static shell completion scripts generated from the command tree.

Static scripts answer <TAB> without starting Python, so completion stays instant;
only profile names (which live in the user's config file) are asked of
``ecgrid completion-values profiles`` at <TAB> time. `completions/` holds the
generated files; a test regenerates them and fails when they no longer match the app
(`python -m ecgrid_cli.completion write completions`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecgrid_cli.profiles import CLI_KEYS
from ecgrid_cli.statuses import ALL_INTERCONNECT_WORDS

SHELLS = ("bash", "zsh", "fish")
FILE_NAMES = {"bash": "ecgrid.bash", "zsh": "_ecgrid", "fish": "ecgrid.fish"}
VALUE_CHOICES = {
    "--status": ALL_INTERCONNECT_WORDS,
    "--api": ("rest", "soap"),
    "--show": ("all", "failed"),
    "--use-type": ("Test", "Production", "TestAndProduction"),
    "--find-style": ("all", "post", "get-isa", "get-qual"),
    "--id-create-style": ("all", "reference", "guide"),
    "--soap-namespace": ("live", "legacy"),
}
# Values asked of the tool at <TAB> time (they live in the config file).
PROFILES = "$(ecgrid completion-values profiles 2>/dev/null)"
DYNAMIC_OPTIONS = {"--profile": PROFILES}
# Positional arguments with known values, by command path.
POSITIONAL = {
    "config set": tuple(CLI_KEYS),
    "config get": tuple(CLI_KEYS),
    "config use": PROFILES,
    "completion": SHELLS,
}


def _positional(path: str) -> str:
    value = POSITIONAL.get(path, ())
    return value if isinstance(value, str) else " ".join(value)


@dataclass
class Node:
    path: tuple[str, ...]
    help: str
    options: list[tuple[list[str], str, bool]] = field(
        default_factory=list
    )  # names, help, takes value
    children: dict[str, Node] = field(default_factory=dict)


def command_tree() -> Node:
    import typer.main

    from ecgrid_cli.app import app

    return _node(typer.main.get_command(app), ())


def _children(command: Any) -> dict[str, Any]:
    """Sub-commands by name (the root group loads its sub-commands on demand).

    The context comes from the command's own class: Typer may bring click or its own
    copy of it (newer releases do), and this module names neither."""
    if not hasattr(command, "list_commands"):
        return {}
    ctx = command.context_class(command)
    return {name: command.get_command(ctx, name) for name in command.list_commands(ctx)}


def _node(command: Any, path: tuple[str, ...]) -> Node:
    node = Node(path, _first_line(getattr(command, "help", None) or ""))
    for param in command.params:
        if getattr(param, "param_type_name", "") != "option" or getattr(param, "hidden", False):
            continue
        names = list(param.opts) + list(param.secondary_opts)
        node.options.append((names, _first_line(param.help or ""), not param.is_flag))
    node.options.append((["--help", "-h"], "Show help.", False))
    for name, child in sorted(_children(command).items()):
        if not getattr(child, "hidden", False):
            node.children[name] = _node(child, (*path, name))
    return node


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0].rstrip(".") if text.strip() else ""


def _walk(node: Node) -> list[Node]:
    nodes = [node]
    for child in node.children.values():
        nodes.extend(_walk(child))
    return nodes


def _words(node: Node) -> list[str]:
    return [*node.children, *(name for names, _, _ in node.options for name in names)]


def bash_script(root: Node) -> str:
    groups = [" ".join(n.path) for n in _walk(root) if n.path and n.children]
    leaves = [" ".join(n.path) for n in _walk(root) if n.path]
    lines = [
        "# bash completion for ecgrid (generated; do not edit)",
        "_ecgrid() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    local path="" w i',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        w="${COMP_WORDS[i]}"',
        '        case "${path:+$path }$w" in',
        "            " + "|".join(f'"{p}"' for p in leaves) + ")",
        '                path="${path:+$path }$w" ;;',
        "        esac",
        "    done",
        '    case "$prev" in',
    ]
    for option, choices in VALUE_CHOICES.items():
        words = " ".join(choices)
        lines.append(f'        {option}) COMPREPLY=($(compgen -W "{words}" -- "$cur")); return ;;')
    for option, command in DYNAMIC_OPTIONS.items():
        lines.append(
            f'        {option}) COMPREPLY=($(compgen -W "{command}" -- "$cur")); return ;;'
        )
    lines += ["    esac", "    local words", '    case "$path" in']
    for node in _walk(root):
        key = " ".join(node.path)
        words = " ".join([*_words(node), _positional(key)]).strip()
        lines.append(f'        "{key}") words="{words}" ;;')
    lines += [
        "    esac",
        '    COMPREPLY=($(compgen -W "$words" -- "$cur"))',
        "}",
        "complete -F _ecgrid ecgrid",
        f"# groups: {', '.join(groups)}",
        "",
    ]
    return "\n".join(lines)


def zsh_script(root: Node) -> str:
    leaves = [" ".join(n.path) for n in _walk(root) if n.path]
    lines = [
        "#compdef ecgrid",
        "# zsh completion for ecgrid (generated; do not edit)",
        "_ecgrid() {",
        '    local path="" w prev="${words[CURRENT-1]}"',
        "    local -a candidates",
        "    for w in ${words[2,CURRENT-1]}; do",
        '        case "${path:+$path }$w" in',
        "            " + "|".join(f'"{p}"' for p in leaves) + ")",
        '                path="${path:+$path }$w" ;;',
        "        esac",
        "    done",
        '    case "$prev" in',
    ]
    for option, choices in VALUE_CHOICES.items():
        lines.append(f"        {option}) compadd -- {' '.join(choices)}; return ;;")
    for option, command in DYNAMIC_OPTIONS.items():
        lines.append(f'        {option}) compadd -- ${{(f)"{command}"}}; return ;;')
    lines += ["    esac", '    case "$path" in']
    for node in _walk(root):
        positional = _positional(" ".join(node.path))
        if positional.startswith("$("):
            positional = f'${{(f)"{positional}"}}'
        prefix = f"compadd -- {positional}; " if positional else ""
        described = [f"'{c}:{_zsh_escape(n.help)}'" for c, n in node.children.items()]
        described += [
            f"'{name}:{_zsh_escape(help_text)}'"
            for names, help_text, _ in node.options
            for name in names
        ]
        lines.append(
            f'        "{" ".join(node.path)}") {prefix}candidates=({" ".join(described)}) ;;'
        )
    lines += [
        "    esac",
        "    _describe 'ecgrid' candidates",
        "}",
        'if [ "$funcstack[1]" = "_ecgrid" ]; then _ecgrid "$@"; else compdef _ecgrid ecgrid; fi',
        "",
    ]
    return "\n".join(lines)


def _zsh_escape(text: str) -> str:
    return text.replace("'", "'\\''").replace(":", "\\:")


def fish_script(root: Node) -> str:
    lines = ["# fish completion for ecgrid (generated; do not edit)", "complete -c ecgrid -f"]
    for node in _walk(root):
        if not node.path:
            condition = "__fish_use_subcommand"
        else:
            seen = " && ".join(f"__fish_seen_subcommand_from {part}" for part in node.path)
            below = " ".join(node.children)
            condition = seen + (f" && not __fish_seen_subcommand_from {below}" if below else "")
        for name, child in node.children.items():
            lines.append(
                f"complete -c ecgrid -n '{condition}' -a {name} -d {_fish_quote(child.help)}"
            )
        positional = _positional(" ".join(node.path))
        if positional and node.path:
            values = f"({positional[2:-1]})" if positional.startswith("$(") else f"'{positional}'"
            lines.append(f"complete -c ecgrid -n '{condition}' -a {values}")
        for names, help_text, takes_value in node.options:
            flags = " ".join(f"-l {n[2:]}" if n.startswith("--") else f"-s {n[1:]}" for n in names)
            value = " -r" if takes_value else ""
            choices = VALUE_CHOICES.get(names[0])
            if choices:
                value += f" -a '{' '.join(choices)}'"
            dynamic = DYNAMIC_OPTIONS.get(names[0])
            if dynamic:
                value += f" -a '({dynamic[2:-1]})'"
            lines.append(
                f"complete -c ecgrid -n '{condition}' {flags}{value} -d {_fish_quote(help_text)}"
            )
    return "\n".join(lines) + "\n"


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def script(shell: str) -> str:
    root = command_tree()
    return {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}[shell](root)


def write_all(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for shell in SHELLS:
        target = directory / FILE_NAMES[shell]
        target.write_text(script(shell), encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        for path in write_all(Path(sys.argv[2])):
            print(path)
    elif len(sys.argv) == 2 and sys.argv[1] in SHELLS:
        sys.stdout.write(script(sys.argv[1]))
    else:
        sys.exit("usage: python -m ecgrid_cli.completion {bash|zsh|fish} | write DIR")
