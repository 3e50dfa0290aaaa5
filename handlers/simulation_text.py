"""The operating characteristics as a table of fixed-width lines: what /simulate shows in the
chat and `trialbot simulate` prints.

No Telegram here, so the offline command can print it without loading python-telegram-bot.
"""

from __future__ import annotations

from domain.protocol import Protocol
from domain.simulation import ENDINGS, NO_DOSE, Characteristics, margin, trials_for
from handlers.texts import SIMULATE as T
from handlers.wording import level_label, listed, number
from storage.usecases.simulation import Simulated

PROBABILITIES = ("recommended", "mtd_declared", "end_state")
INDENT = "  "


def rows(protocol: Protocol) -> list[tuple[str, str | None, str | None]]:
    """The table's rows: (label, Characteristics field, key in it); a heading has no field."""
    levels = [dose.level for dose in protocol.dose_levels]
    doses = [(level_label(protocol, level), str(level)) for level in levels]
    doses.append((T["no_dose"], NO_DOSE))
    table: list[tuple[str, str | None, str | None]] = []
    for field in ("recommended", "mtd_declared"):
        table.append((T[field], None, None))
        table += [(INDENT + name, field, key) for name, key in doses]
    table.append((T["end_state"], None, None))
    table += [(INDENT + T["end_states"][state], "end_state", state) for state in ENDINGS]
    table.append((T["participants"], "mean_participants", None))
    table += [(INDENT + T["at_level"].format(label=level_label(protocol, level)),
               "mean_participants_by_level", str(level)) for level in levels]
    table.append((T["dlts"], "mean_dlts", None))
    return table


def figure(figures: Characteristics | None, field: str | None, key: str | None) -> str:
    """One cell: a probability in percent or a mean ("" for a heading or no figures)."""
    if figures is None or field is None:
        return ""
    value = getattr(figures, field)
    value = value[key] if key is not None else value
    if field in PROBABILITIES:
        return T["percent"].format(value=100 * value)
    return T["mean"].format(value=value)


def table_lines(protocol: Protocol, result: Simulated) -> list[str]:
    table = rows(protocol)
    width = max(len(label) for label, _, _ in table) + 2
    columns = [(T["simulated"], result.simulated)]
    if result.exact is not None:
        columns.append((T["exact"], result.exact))
    cell = max(len(name) for name, _ in columns) + 2
    lines = [" " * width + "".join(name.rjust(cell) for name, _ in columns)]
    for label, field, key in table:
        cells = "".join(figure(figures, field, key).rjust(cell) for _, figures in columns)
        lines.append((label.ljust(width) + cells).rstrip())
    return lines


def rates_text(protocol: Protocol, result: Simulated) -> str:
    rates = enumerate(result.scenario.dlt_rates, start=1)
    return listed(T["rate"].format(label=level_label(protocol, level),
                                      percent=number(100 * rate)) for level, rate in rates)


def precision_text(trials: int) -> str:
    """How close `trials` simulated trials come to the exact figures, and what halves that."""
    finer = margin(trials) / 2
    return T["precision"].format(trials=f"{trials:,}", margin=100 * margin(trials),
                                 finer=100 * finer, finer_trials=f"{trials_for(finer):,}")


def simulation_text(protocol: Protocol, result: Simulated) -> str:
    """The whole answer: what was assumed, the table, the precision of the figures."""
    trials = result.simulated.trials
    lines = [T["title"].format(trial=protocol.name, trials=f"{trials:,}", seed=result.seed)]
    if result.start:
        lines.append(T["from_current"].format(history=result.start))
    lines.append(T["assumed"].format(
        rates=rates_text(protocol, result),
        dropout=T["dropout"].format(percent=number(100 * result.scenario.dropout))))
    lines += ["", *table_lines(protocol, result), ""]
    lines.append(precision_text(trials))
    lines.append(T["exact_note"] if result.exact is not None else T["no_exact"])
    return "\n".join(lines)
