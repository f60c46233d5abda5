"""`ecgrid auth status`: which server, which key (masked), and who that key is."""

from __future__ import annotations

import typer

from ecgrid_cli import context
from ecgrid_cli.commands.options import JsonFlag
from ecgrid_cli.profiles import mask

app = typer.Typer(help="Check the API key and the server it reaches.", no_args_is_help=True)


@app.command("status")
def status(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Show the server, the profile, where the key came from, and the user it belongs to."""
    app_ctx = context.get(ctx)
    out = app_ctx.use_json(json)
    resolved = app_ctx.settings()
    settings = resolved.settings
    client = app_ctx.client()
    version = client.version()
    user = client.me().to_json()
    key = settings.api_key.get_secret_value() if settings.api_key else None
    if json:
        out.json(
            {
                "baseUrl": settings.base_url,
                "profile": resolved.profile,
                "apiKey": {"source": resolved.sources["api_key"], "masked": mask(key)},
                "apiVersion": version,
                "ecGridId": settings.ecgrid_id,
                "user": user,
            }
        )
        return
    out.record(
        [
            ("Server", settings.base_url),
            ("API version", version),
            ("Profile", resolved.profile),
            ("API key", f"{mask(key)} (from {resolved.sources['api_key']})"),
            ("Own ECGrid ID", settings.ecgrid_id),
            ("User", user["login"]),
            ("Auth level", user["authLevel"]),
            ("Network", user["networkId"]),
            ("Mailbox", user["mailboxId"]),
        ],
        title="Logged in",
    )
