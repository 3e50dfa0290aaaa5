"""The bar chart /simulate sends with its table: the dose the design recommends at the end, as
simulated (bars, with their 95 % margin) and, where there is a closed form, exactly (marks).

Drawn on a matplotlib Figure with the Agg canvas (no display, no pyplot state), so it may run
in a worker thread. No Telegram here.
"""

from __future__ import annotations

import io
import math

from domain.protocol import Protocol
from domain.simulation import NO_DOSE, Z_95
from handlers.fonts import chart_fonts
from handlers.simulation_text import rates_text
from handlers.texts import SIMULATE as T
from handlers.wording import level_label
from storage.usecases.simulation import Simulated

SIMULATED_COLOUR = "#4C72B0"
EXACT_COLOUR = "#DD8452"
MARGIN_COLOUR = "#333333"


def recommended_chart(protocol: Protocol, result: Simulated) -> bytes:
    """The chart as PNG bytes, Chinese words in a font that has them."""
    from matplotlib import rc_context  # noqa: PLC0415  (a slow import: only when drawn)

    with rc_context(chart_fonts()):
        return draw(protocol, result)


def draw(protocol: Protocol, result: Simulated) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # a slow import: only when drawn
    from matplotlib.figure import Figure

    keys = [str(dose.level) for dose in protocol.dose_levels] + [NO_DOSE]
    names = [level_label(protocol, int(key)) if key != NO_DOSE else T["no_dose"] for key in keys]
    simulated = [100 * result.simulated.recommended[key] for key in keys]
    trials = result.simulated.trials
    margins = [100 * Z_95 * math.sqrt(p / 100 * (1 - p / 100) / trials) for p in simulated]

    figure = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(keys))
    bars = axes.bar(positions, simulated, yerr=margins, capsize=4, color=SIMULATED_COLOUR,
                    ecolor=MARGIN_COLOUR, label=T["simulated"])
    axes.bar_label(bars, labels=[T["percent"].format(value=p) for p in simulated], padding=3)
    if result.exact is not None:
        exact = [100 * result.exact.recommended[key] for key in keys]
        axes.hlines(exact, [x - 0.4 for x in positions], [x + 0.4 for x in positions],
                    colors=EXACT_COLOUR, linewidths=2.5, zorder=3, label=T["exact"])
    axes.set_xticks(list(positions), names)
    axes.set_ylim(0, 110)
    axes.set_ylabel(T["chart_axis"])
    axes.set_title(T["chart_title"].format(trial=protocol.name, rates=rates_text(protocol, result)),
                   fontsize=10)
    axes.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    png = io.BytesIO()
    figure.savefig(png, format="png")
    return png.getvalue()
