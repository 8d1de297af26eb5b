"""The Discord bot: ``python -m bot discord [--sync [--guild ID] | --post-now CHANNEL_ID ...]``.

* no option: connect to the gateway and serve ``/digest``, the "Post to channel" button, and
  questions in digest threads (never syncs commands on start);
* ``--sync [--guild ID]``: register ``/digest`` with Discord only if it changed, then exit;
* ``--invite``: print the URL that adds the bot to a server with the permissions it needs;
* ``--post-now CHANNEL_ID [--date D] [--language L] [--force]``: post a day's digest (default:
  yesterday, the last complete day) over REST (no gateway) once per (channel, day), then exit.

Settings: ``DISCORD_TOKEN`` (required), ``DISCORD_API_URL`` (REST base, e.g. a fake server in
tests), ``DISCORD_MESSAGE_CONTENT`` (ask for the privileged message-content intent; off: only
mentions of the bot are answered). See docs/discord.md for the application setup.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import date, timedelta

import aiohttp
import discord
from discord import app_commands

from bot.logs import configure_logging
from bot.discord.commands import DigestCommands
from bot.discord.post import PLATFORM, post_daily
from bot.discord.threads import ThreadQA
from digest.store.chat_state import ChatState
from digest.config import Settings, load_settings
from digest.errors import ConfigError, DigestError
from digest.deliver.ledger import POSTED, PostLedger, PostRecord

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://discord.com/api/v10"
discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice here: no warning


def make_intents(message_content: bool) -> discord.Intents:
    """Only what the bot uses.

    * ``guilds``: channels and threads in the cache (THREAD_CREATE/UPDATE), to know a thread's parent;
    * ``guild_messages``: MESSAGE_CREATE in servers, i.e. questions asked in digest threads;
    * ``message_content`` (privileged): the text of questions that do not mention the bot.
      Without it Discord delivers empty text except for mentions, so only mentions are answered.
    Slash commands and buttons need no intent at all.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = message_content
    return intents


REST_INTENTS = discord.Intents(guilds=True)  # one-shot REST clients never connect to the gateway


def configure_api(url: str | None) -> None:
    """Point discord.py's REST client (and its webhook/interaction calls) at ``url``."""
    discord.http.Route.BASE = (url or DEFAULT_API_URL).rstrip("/")


class DigestBot(discord.Client):
    """discord.py client wired to a DigestService: /digest, the post button, thread answers."""

    def __init__(self, service, *, message_content: bool | None = None, build_missing: bool = True,
                 **options):
        settings: Settings = service.settings
        self.message_content = settings.discord_message_content if message_content is None else message_content
        options.setdefault("intents", make_intents(self.message_content))
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        super().__init__(**options)
        self.service = service
        self.state = ChatState(service.store)
        self.ledger = PostLedger(service.store)
        self.tree = app_commands.CommandTree(self)
        self.commands = DigestCommands(self, build_missing=build_missing)
        self.qa = ThreadQA(self)

    async def on_ready(self) -> None:
        log.info("discord: connected as %s (id %s) in %d servers", self.user,
                 self.user.id if self.user else "?", len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        await self.qa.on_message(message)

    async def post_daily(self, channel_id: int | str, day: date | None = None,
                         language: str | None = None, force: bool = False) -> PostRecord:
        """The scheduler's entry point inside the running bot (see ``bot.discord.post``)."""
        return await post_daily(self, self.service, self.ledger, self.state, channel_id, day,
                                language, force)


# --- command sync ---------------------------------------------------------------------------------
_EMPTY = (None, False, "", (), [], {})
_OPTION_KEYS = ("type", "name", "description", "required", "autocomplete", "choices", "options",
                "channel_types", "min_value", "max_value", "min_length", "max_length",
                "name_localizations", "description_localizations")
_COMMAND_KEYS = ("type", "name", "description", "options", "default_member_permissions", "nsfw",
                 "contexts", "integration_types", "name_localizations", "description_localizations")


def _canon(obj: dict, keys: tuple[str, ...]) -> dict:
    out = {}
    for key in keys:
        value = obj.get(key)
        if key == "type" and value is None:
            value = 1
        if key == "options" and value:
            value = [_canon(o, _OPTION_KEYS) for o in value]
        if key in ("contexts", "integration_types") and value:
            value = sorted(value)
        if value not in _EMPTY:
            out[key] = value
    return out


def commands_differ(local: list[dict], remote: list[dict]) -> bool:
    """Whether the registered commands differ from ours in anything a user could notice."""
    def canon(cmds):
        return sorted((_canon(c, _COMMAND_KEYS) for c in cmds), key=lambda c: (c["name"], c.get("type", 1)))
    return canon(local) != canon(remote)


async def sync_commands(bot: DigestBot, guild_id: int | None = None) -> bool:
    """Register the commands (globally, or in one server) only if they changed; True if synced."""
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        bot.tree.copy_global_to(guild=guild)
    local = [c.to_dict(bot.tree) for c in bot.tree.get_commands(guild=guild)]
    app_id = bot.application_id
    if guild_id:
        remote = await bot.http.get_guild_commands(app_id, guild_id)
    else:
        remote = await bot.http.get_global_commands(app_id)
    if not commands_differ(local, remote):
        return False
    await bot.tree.sync(guild=guild)
    return True


# --- entry points ---------------------------------------------------------------------------------
#: View Channel, Send Messages, Send Messages in Threads, Create Public Threads, Embed Links,
#: Attach Files, Read Message History: all the bot needs, and nothing more.
PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, send_messages_in_threads=True, create_public_threads=True,
    embed_links=True, attach_files=True, read_message_history=True)


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS,
                                   scopes=("bot", "applications.commands"))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot discord",
                                description="Daily AI Insights on Discord (see docs/discord.md).")
    p.add_argument("--sync", action="store_true",
                   help="register /digest with Discord if it differs from what Discord has, then exit")
    p.add_argument("--guild", type=int, metavar="ID",
                   help="with --sync: register in this server only (appears at once; for testing)")
    p.add_argument("--invite", action="store_true",
                   help="print the URL that adds the bot to a server with the permissions it needs")
    p.add_argument("--post-now", type=int, metavar="CHANNEL_ID",
                   help="post a day's digest to this channel over REST (no gateway), then exit")
    p.add_argument("--date", metavar="D",
                   help="with --post-now: YYYY-MM-DD, today or yesterday (default: yesterday, the last "
                        "complete day; today's papers are still coming in)")
    p.add_argument("--language", metavar="L", help="with --post-now: the digest's language (default: DIGEST_LANGUAGE)")
    p.add_argument("--force", action="store_true",
                   help="with --post-now: post even if this day was already posted to the channel")
    return p


UNREACHABLE = (aiohttp.ClientError, OSError, asyncio.TimeoutError)


async def login(client: discord.Client, token: str) -> None:
    """Log in over REST; a refused token or an unreachable Discord is one line (ConfigError)."""
    try:
        await client.login(token)
    except discord.LoginFailure:
        raise ConfigError("Discord refused DISCORD_TOKEN (401): check the bot token in the "
                          "Developer Portal.") from None
    except UNREACHABLE as err:
        raise ConfigError(unreachable(err)) from None
    except discord.HTTPException as err:
        raise ConfigError(f"Discord answered {err.status} at login: {err.text or 'no details'}") from None


def unreachable(err: BaseException) -> str:
    detail = " ".join(str(err).split()) or "timeout"
    return (f"Discord unreachable ({type(err).__name__}: {detail}); check the network or "
            "DISCORD_API_URL")


async def _login(client: discord.Client, token: str) -> bool:
    try:
        await login(client, token)
        return True
    except ConfigError as err:
        print(err, file=sys.stderr)
        return False


async def _invite(token: str) -> int:
    async with discord.Client(intents=REST_INTENTS) as client:
        if not await _login(client, token):
            return 2
        print(invite_url(client.application_id))
    return 0


async def _sync(service, token: str, guild_id: int | None) -> int:
    async with DigestBot(service) as bot:
        if not await _login(bot, token):
            return 2
        changed = await sync_commands(bot, guild_id)
    where = f"server {guild_id}" if guild_id else "all servers (global; may take a while to appear)"
    print(f"/digest {'synced to' if changed else 'unchanged in'} {where}.")
    return 0


async def _post_now(service, token: str, channel_id: int, day: date, language: str | None,
                    force: bool) -> int:
    ledger, state = PostLedger(service.store), ChatState(service.store)
    before = ledger.get(PLATFORM, str(channel_id), day)
    async with discord.Client(intents=REST_INTENTS,
                              allowed_mentions=discord.AllowedMentions.none()) as client:
        if not await _login(client, token):
            return 2
        try:
            record = await post_daily(client, service, ledger, state, channel_id, day, language, force)
        except DigestError as err:
            print(f"nothing posted: {err}", file=sys.stderr)
            return 1
        except discord.Forbidden as err:
            print(f"Discord refused the post to channel {channel_id} ({err.text}): the bot needs View "
                  "Channel, Send Messages, Embed Links, Attach Files, Create Public Threads, Send "
                  "Messages in Threads and Read Message History there.", file=sys.stderr)
            return 1
        except discord.HTTPException as err:
            print(f"Discord refused the post to channel {channel_id}: {err.status} {err.text}",
                  file=sys.stderr)
            return 1
    if before is not None and before.state == POSTED and not force:
        print(f"{day.isoformat()} was already posted to channel {channel_id} (message {record.message_id}); "
              "nothing sent. Use --force to post it again.")
    else:
        print(f"posted {day.isoformat()} to channel {channel_id}: message {record.message_id}, "
              f"thread {record.thread_id}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.guild and not args.sync:
        print("--guild goes with --sync", file=sys.stderr)
        return 2
    if (args.date or args.force or args.language) and args.post_now is None:
        print("--date, --language and --force go with --post-now", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        if args.invite and settings.discord_application_id:  # no token, no network needed
            print(invite_url(settings.discord_application_id))
            return 0
        if settings.discord_token is None:
            print("DISCORD_TOKEN is not set: create a bot in the Discord Developer Portal and put its "
                  "token in .env (see docs/discord.md).", file=sys.stderr)
            return 2
        configure_logging(settings.digest_log_level, fmt=settings.digest_log_format)
        configure_api(settings.discord_api_url)
        token = settings.discord_token.get_secret_value()
        if args.invite:
            return asyncio.run(_invite(token))
        from digest.service import DigestService

        service = DigestService(settings)
        if args.sync:
            return asyncio.run(_sync(service, token, args.guild))
        if args.post_now is not None:
            # default: yesterday, a complete day (today's would be posted half-filled)
            day = service.parse_day(args.date) if args.date else service.today() - timedelta(days=1)
            return asyncio.run(_post_now(service, token, args.post_now, day, args.language, args.force))
    except DigestError as err:
        print(err, file=sys.stderr)
        return 2
    except UNREACHABLE as err:  # --sync / --post-now after the login: one line, no traceback
        print(unreachable(err), file=sys.stderr)
        return 2
    # the gateway bot: the runner's process (signals, shutdown under 10 s, /healthz), no scheduler
    from bot import runner

    return runner.run(settings, runner.Plan(discord=True),
                      argparse.Namespace(once=False, no_scheduler=True, host="0.0.0.0", port=None))
