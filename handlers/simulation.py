"""/simulate 0.05 0.25 (investigators): what the 3+3 design will likely do under the true DLT
rates the investigator assumes, DL1 first: the table (as `trialbot simulate` prints it) and a
bar chart of the dose recommended at the end.

The simulation and the chart take a fraction of a second of CPU; they run in a worker thread
(they touch neither the database nor the bot), so other users are not held up meanwhile.
"""

from __future__ import annotations

import asyncio
import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import CommandHandler, ContextTypes

from domain.protocol import Protocol
from domain.simulation import Scenario, SimulationError, read_rate
from handlers.access import requires
from handlers.common import reply, trial_of
from handlers.simulation_chart import recommended_chart
from handlers.simulation_text import simulation_text
from handlers.texts import SIMULATE as T
from handlers.wording import say
from storage.usecases.simulation import operating_characteristics

TRIALS = 10_000


def answer(protocol: Protocol, scenario: Scenario) -> tuple[str, bytes, str]:
    """The table, the chart and its caption (raises SimulationError)."""
    result = operating_characteristics(protocol, scenario, trials=TRIALS)
    caption = T["caption"] if result.exact is not None else T["caption_no_exact"]
    return simulation_text(protocol, result), recommended_chart(protocol, result), caption


@requires("investigator")
async def simulate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    typed = context.args or []
    if not typed:
        await reply(update, T["usage"])
        return
    protocol = trial_of(context).protocol
    try:
        scenario = Scenario(dlt_rates=[read_rate(rate) for rate in typed])
        text, chart, caption = await asyncio.to_thread(answer, protocol, scenario)
    except SimulationError as error:
        await reply(update, T["refused"].format(error=say(error.reason), usage=T["usage"]))
        return
    chat = update.effective_chat
    await chat.send_message(f"<pre>{html.escape(text)}</pre>", parse_mode=ParseMode.HTML)
    await chat.send_photo(photo=chart, caption=caption)


def handlers() -> list:
    return [CommandHandler("simulate", simulate)]
