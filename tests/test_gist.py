"""One per-category gist on every platform (issue 15: Slack and Discord each had their own)."""

from __future__ import annotations

from datetime import date

from bot.discord import embeds as discord_embeds
from bot.slack import blocks as slack_blocks
from digest.models import CategorySummary, Digest, Paper
from digest.present.gist import gist

DAY = date(2024, 11, 22)
SYNTHESIS = ("1. **Key themes**\n   - Tool use: agents call APIs\n"
             "5. **Synthesis and outlook**\n   Agents are getting cheaper to run. More next week.")


def _digest() -> Digest:
    paper = Paper(arxiv_id="2411.00001", title="Cheap Agents", url="https://arxiv.org/abs/2411.00001")
    summary = CategorySummary("LLM", "🤖", (paper,), SYNTHESIS, "gpt", "en")
    return Digest(day=DAY, language="en", summaries=(summary,), counts=(("LLM", 1),))


def test_the_same_category_gets_the_same_line_on_slack_and_discord():
    digest = _digest()
    line = gist(digest.summaries[0])
    assert line == "Agents are getting cheaper to run."  # the outlook, not the first bullet
    slack_text = str(slack_blocks.daily_post(digest).blocks)
    discord_text = discord_embeds.overview_embeds(digest)[0].description
    assert f"**LLM** · 1 paper — {line}" in discord_text
    assert line in slack_text


def test_a_synthesis_of_headings_only_has_no_gist():
    summary = CategorySummary("LLM", "", (), "1. **Key themes**\n## Outlook", "gpt", "en")
    assert gist(summary) == ""
