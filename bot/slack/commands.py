"""``/digest [category] [date]``: acknowledged at once, answered in the background.

Help, the category list and input errors are answered in the ack itself (no I/O). A digest or a
category is looked up (or built) off the event loop, then sent through the ``response_url``,
visible only to the caller, with a button that shares it to the channel and, for a whole day, a
menu that opens one category in full.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import date

from slack_sdk.errors import SlackApiError

from bot.core.commands import FOLLOW, INSTANT, SUBSCRIPTION, dispatch
from bot.core.context import ChatBot
from bot.slack import blocks, search
from bot.slack.client import error_code
from bot.slack.post import PLATFORM
from digest.errors import DigestError
from digest.service import Reply
from digest.text import t


log = logging.getLogger(__name__)

PROGRESS_AFTER = 1.5  # seconds: past this, say that the digest is being built


def reply_payload(reply: Reply, *, interactive: bool = True, shared_by: str | None = None,
                  ask_note: bool = False) -> blocks.Payload:
    if reply.digest is not None and reply.category:
        return blocks.category_reply(reply.digest, reply.category, interactive=interactive,
                                     shared_by=shared_by, ask_note=ask_note)
    if reply.digest is not None:
        return blocks.overview_reply(reply.digest, interactive=interactive, shared_by=shared_by,
                                     ask_note=ask_note)
    return blocks.text_reply(reply.text)


async def send(respond, payload: blocks.Payload, what: str, **options) -> bool:
    """POST a payload to the response_url; a failure is logged with its status and retried once."""
    for attempt in (1, 2):
        try:
            resp = await respond(**payload.kwargs(), **options)
            status = getattr(resp, "status_code", 200)
            if status == 200:
                return True
            problem = f"HTTP {status} {getattr(resp, 'body', '')!s:.100}"
        except Exception as err:  # network errors of the webhook client
            problem = type(err).__name__
        if attempt == 1:
            log.warning("%s: response_url failed (%s): retrying once", what, problem)
            await asyncio.sleep(0.5)
        else:
            log.error("%s: response_url failed again (%s)", what, problem)
    return False


def register(bot: ChatBot) -> None:
    app = bot.app

    @app.command(bot.command)
    async def digest_command(ack, command, respond):
        lang = bot.language
        query, route = dispatch(bot.service, command.get("text"), lang)
        if route == INSTANT:
            reply = bot.service.resolve(query, lang)  # text only: no I/O for these kinds
            await ack(response_type="ephemeral", **blocks.text_reply(reply.text).kwargs())
            return
        await ack()
        if route == SUBSCRIPTION:
            bot.spawn(bot.subscription(query, command, respond))
            return
        if route == FOLLOW:
            bot.spawn(follow_command(bot, query, command, respond))
            return
        if query.kind == "search":  # the archive, a page at a time (bot.slack.search)
            bot.spawn(search.answer_search(bot, " ".join(query.args), 0, respond))
            return
        bot.spawn(answer_command(bot, query, respond))

    search.register(bot)

    @app.action(blocks.SHARE_ACTION)
    async def share_action(ack, body, respond):
        await ack()
        data = blocks.parse_value(body["actions"][0].get("value", ""))
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        user = (body.get("user") or {}).get("id")
        bot.spawn(share(bot, data, channel, user, respond))

    @app.action(blocks.OPEN_ACTION)
    async def open_action(ack, body, respond):
        await ack()
        option = body["actions"][0].get("selected_option") or {}
        data = blocks.parse_value(option.get("value", ""))
        bot.spawn(open_category(bot, data, respond))


async def follow_command(bot: ChatBot, query, command, respond) -> None:
    """follow / following / unfollow: the author's own follows; the reply only they see."""
    from digest.follows.commands import handle_follow

    try:
        reply = await asyncio.to_thread(handle_follow, bot.service, query, "slack", command.get("user_id") or "",
                                        command.get("channel_id") or "", bot.language)
    except DigestError as err:
        reply = str(err)
    except Exception:
        log.exception("/digest %s failed", query.kind)
        reply = blocks.ui(bot.language, "failed", error="internal error")
    await send(respond, blocks.text_reply(reply), "/digest follow reply", response_type="ephemeral")


async def answer_command(bot: ChatBot, query, respond) -> None:
    lang = bot.language
    work = asyncio.ensure_future(asyncio.to_thread(bot.resolve, query, lang))
    done, _ = await asyncio.wait({work}, timeout=PROGRESS_AFTER)
    if not done:
        what = f" ({query.day.isoformat()})" if query.day else ""
        await send(respond, blocks.text_reply(t(lang, "slack_building", what=what)),
                   "/digest progress", response_type="ephemeral")
    try:
        reply = await work
    except DigestError as err:
        reply = Reply(text=str(err), error=True)
    except Exception:
        log.exception("/digest %s failed", query)
        reply = Reply(text=t(lang, "slack_failed", error="internal error"), error=True)
    if reply.week is not None:  # an ephemeral response cannot carry a file: say how to get the chart
        reply = replace(reply, text=f"{reply.text}\n\n_{t(lang, 'week_chart_hint', end=reply.week.end.isoformat())}_")
    await send(respond, reply_payload(reply), "/digest reply", response_type="ephemeral")


async def _stored(bot: ChatBot, data: dict):
    day = date.fromisoformat(data["d"])
    return await asyncio.to_thread(bot.service.get_digest, day, data.get("l") or bot.language, True)


async def share(bot: ChatBot, data: dict, channel: str | None, user: str | None, respond) -> None:
    """Post what the caller saw to the channel: as the bot (its thread then answers questions),
    or through the response_url where the bot is not a member of the channel."""
    try:
        digest = await _stored(bot, data)
    except (DigestError, KeyError, ValueError) as err:
        await send(respond, blocks.text_reply(str(err) or t(data.get("l") or bot.language, "slack_gone")), "share",
                   response_type="ephemeral", replace_original=False)
        return
    reply = Reply(digest=digest, category=data.get("c"))
    shared = False
    if channel:
        payload = reply_payload(reply, interactive=False, shared_by=user, ask_note=True)
        try:
            resp = await bot.client.chat_postMessage(channel=channel, unfurl_links=False,
                                                     unfurl_media=False, **payload.kwargs())
            await asyncio.to_thread(bot.state.link_thread, PLATFORM, channel, resp["ts"], digest.day,
                                    digest.language)
            shared = True
        except SlackApiError as err:
            log.info("share to %s as the bot failed (%s): using the response_url", channel,
                     error_code(err))
    if not shared:
        payload = reply_payload(reply, interactive=False, shared_by=user)
        shared = await send(respond, payload, "share", response_type="in_channel",
                            replace_original=False)
    if shared:
        await send(respond, blocks.Payload(text=""), "remove the private copy", delete_original=True)


async def open_category(bot: ChatBot, data: dict, respond) -> None:
    try:
        digest = await _stored(bot, data)
        reply = Reply(digest=digest, category=data["c"])
    except (DigestError, KeyError, ValueError) as err:
        reply = Reply(text=str(err) or t(data.get("l") or bot.language, "slack_gone"), error=True)
    await send(respond, reply_payload(reply), "open category", response_type="ephemeral",
               replace_original=False)
