"""/simulate in the chat: the table and the bar chart, for investigators only."""

from __future__ import annotations

import re

from bot.cli import main
from handlers.texts import ACCESS, SIMULATE
from tests.handlers.conftest import COORDINATOR, GROUP, INVESTIGATOR, STRANGER

PNG = b"\x89PNG\r\n\x1a\n"


async def test_investigator_gets_the_table_and_the_chart(app, driver):
    table, chart = await driver.send(INVESTIGATOR, "/simulate 0.05 25%")
    assert table.method == "sendMessage" and chart.method == "sendPhoto"
    assert "10,000 simulated trials" in table.text
    assert "Assumed true DLT rates: DL1 5 %, DL2 25 %" in table.text
    assert SIMULATE["simulated"] in table.text and SIMULATE["exact"] in table.text
    assert "Precision: with 10,000 trials" in table.text
    [sent] = app.bot.request.calls_of("sendMessage")
    assert sent.params["parse_mode"] == "HTML" and sent.params["text"].startswith("<pre>")
    assert chart.raw["caption"] == SIMULATE["caption"]
    [photo] = chart.raw["photo"]
    assert app.bot.request.uploads[photo["file_id"]].startswith(PNG)


async def test_the_seed_shown_gives_the_same_table_in_the_shell(app, driver, capsys):
    """The chat shows its seed: `trialbot simulate` with it prints the very same table."""
    [table, _] = await driver.send(INVESTIGATOR, "/simulate 10% 0.4")
    seed = re.search(r"\(seed (\d+)\)", table.text).group(1)
    assert main(["simulate", "--dlt-rates", "0.1,0.4", "--seed", seed]) == 0
    assert capsys.readouterr().out.strip() == table.text.strip()


async def test_rates_that_are_not_probabilities_are_refused_with_the_usage(driver):
    [reply] = await driver.send(INVESTIGATOR, "/simulate 5 25")
    assert "5 is not a probability from 0 to 1: type 0.25 or 25%." in reply.text
    assert SIMULATE["usage"] in reply.text
    [reply] = await driver.send(INVESTIGATOR, "/simulate 0.1")
    assert "one true DLT rate per dose level, 2 in all, DL1 first (1 given)" in reply.text
    [reply] = await driver.send(INVESTIGATOR, "/simulate 0,1 0,2")  # a decimal comma: not read
    assert "'0,1' is not a probability" in reply.text
    [reply] = await driver.send(INVESTIGATOR, "/simulate")
    assert reply.text == SIMULATE["usage"]


async def test_only_investigators_may_simulate(app, driver):
    [reply] = await driver.send(COORDINATOR, "/simulate 0.05 0.25")
    assert reply.text == ACCESS["needs_role"].format(role="investigator", have="coordinator")
    [reply] = await driver.send(STRANGER, "/simulate 0.05 0.25")
    assert reply.text == ACCESS["stranger"].format(user_id=STRANGER)
    [reply] = await driver.send(INVESTIGATOR, "/simulate 0.05 0.25", chat_id=GROUP,
                                chat_type="group")
    assert reply.text == ACCESS["private_only"]
    assert app.bot.request.calls_of("sendPhoto") == []


async def test_help_lists_simulate_for_investigators(driver):
    [investigator] = await driver.send(INVESTIGATOR, "/help")
    [coordinator] = await driver.send(COORDINATOR, "/help")
    assert "/simulate" in investigator.text and "/simulate" not in coordinator.text


def test_the_chart_is_drawn_without_exact_figures_too():
    """With dropout or from a recorded history there is no closed form: bars only."""
    from domain.simulation import Scenario
    from handlers.simulation_chart import recommended_chart
    from storage.protocol_file import load_protocol
    from storage.usecases.simulation import operating_characteristics

    protocol = load_protocol()
    result = operating_characteristics(protocol, Scenario(dlt_rates=(0.2, 0.3), dropout=0.1),
                                       trials=200, seed=1)
    assert result.exact is None
    assert recommended_chart(protocol, result).startswith(PNG)
