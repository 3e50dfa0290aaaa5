"""The escalation as a picture: one mark per participant in enrolment order at their dose level,
filled for a DLT, open for no DLT, grey while the DLT window is open, crossed for not evaluable
(squares for case expansion); cohorts shaded in turn; the 3+3 answer and the places left under
the cap in the title. /status and /whatif send it; `trialbot chart PATH` writes it.

Drawn with matplotlib's Agg canvas on a Figure of its own (no pyplot, so no display and no
global state: safe in a worker thread). No Telegram here: the shell uses it.
"""

from __future__ import annotations

import functools
import io
import re

from handlers import i18n
from handlers.fonts import chart_fonts
from handlers.texts import CHART as T
from handlers.texts import STATUS
from handlers.wording import cells
from storage.usecases.reports import Mark, Picture

SIZE_INCHES, DPI = (8, 6), 120  # 960 × 720 pixels: readable across a phone screen
WIDTH, HEIGHT = SIZE_INCHES[0] * DPI, SIZE_INCHES[1] * DPI
MARK_SIZE = 260  # points²
INK, DLT_RED, OPEN_GREY, BAND = "#1f3b73", "#c0392b", "#a6a6a6", "#eef2f8"

# How each outcome is drawn: (face colour, edge colour, marker, or None for the shape).
STYLES = {
    "N": ("white", INK, None),
    "T": (DLT_RED, DLT_RED, None),
    "P": (OPEN_GREY, OPEN_GREY, None),
    "X": (INK, INK, "X"),
}


def chart_png(picture: Picture) -> bytes:
    """The chart as PNG bytes, WIDTH × HEIGHT pixels. The escalation changes a few times a
    month and /status is asked many times a day, so a picture already drawn is not drawn
    again (drawing costs tens of milliseconds, and updates are handled one at a time)."""
    return drawn(picture.model_dump_json(), i18n.current())


@functools.lru_cache(maxsize=16)
def drawn(picture_json: str, language: str) -> bytes:
    """The chart of a picture in a language (the words on it are the reader's)."""
    from matplotlib import rc_context  # noqa: PLC0415  (40 MB: only once a chart is drawn)

    with i18n.speaking(language), rc_context(chart_fonts()):
        return draw(Picture.model_validate_json(picture_json))


def draw(picture: Picture) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.17, right=0.8, top=0.8, bottom=0.25)
    axes = figure.add_subplot()
    places = max(picture.cap, len(picture.marks))
    axes.set_xlim(0.5, places + 0.5)
    axes.set_ylim(0.5, len(picture.levels) + 0.5)
    shade_cohorts(axes, picture.cohorts)
    for position, mark in enumerate(picture.marks, start=1):
        draw_mark(axes, position, mark)
    draw_next(axes, picture)
    label_axes(axes, picture, places)
    figure.suptitle(title(picture), fontsize=14, linespacing=1.5)
    figure.legend(handles=legend_handles(), loc="lower center", ncol=3, fontsize=11,
                  frameon=False)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def shade_cohorts(axes, cohorts: list[int]) -> None:
    start = 0.5
    for number, size in enumerate(cohorts):
        if number % 2 == 0:
            axes.axvspan(start, start + size, color=BAND, zorder=0)
        start += size


def draw_mark(axes, position: int, mark: Mark) -> None:
    face, edge, marker = STYLES[mark.outcome.value]
    shape = marker or ("s" if mark.expansion else "o")
    axes.scatter([position], [mark.dose_level], s=MARK_SIZE, marker=shape, facecolors=face,
                 edgecolors=edge, linewidths=2.5, zorder=3)
    if mark.label != str(position):  # a participant number; a hypothetical has the axis
        axes.annotate(mark.label, (position, mark.dose_level), xytext=(0, -22),
                      textcoords="offset points", ha="center", fontsize=9, color=INK)


def draw_next(axes, picture: Picture) -> None:
    """A dashed place where the next participant goes, if the design asks for one."""
    decision = picture.decision
    if decision is None or not decision.next_dose:
        return
    position = len(picture.marks) + 1
    if position > picture.cap:
        return
    axes.scatter([position], [decision.next_dose], s=MARK_SIZE, marker="o", facecolors="none",
                 edgecolors=INK, linewidths=1.5, linestyle="--", zorder=3)
    axes.annotate(T["next"], (position, decision.next_dose), xytext=(0, 16),
                  textcoords="offset points", ha="center", fontsize=10, color=INK)


def label_axes(axes, picture: Picture, places: int) -> None:
    axes.set_yticks([level.level for level in picture.levels], [
        T["level_tick"].format(label=level.label, dose=superscript(cells(level.cells_per_kg)))
        for level in picture.levels], fontsize=12)
    axes.set_xticks(range(1, places + 1), [str(n) for n in range(1, places + 1)])
    axes.tick_params(axis="x", labelsize=10)
    axes.set_xlabel(T["x_label"], fontsize=12)
    axes.grid(axis="y", color="#d0d0d0", zorder=1)
    statuses = {s.level: s.status for s in picture.decision.per_level} if picture.decision else {}
    for level in picture.levels:
        status = statuses.get(level.level)
        if status:
            axes.annotate(STATUS["level_statuses"][status], (1.02, level.level),
                          xycoords=("axes fraction", "data"), va="center", fontsize=11,
                          color=DLT_RED if status == "exceeds-mtd" else INK)


def superscript(text: str) -> str:
    """'1×10^5' with the exponent raised, as matplotlib's mathtext writes it."""
    return re.sub(r"\^(-?\d+)", r"$^{\1}$", text)


def title(picture: Picture) -> str:
    enrolled = len(picture.marks)
    decision = picture.decision
    left = decision.places_under_cap if decision else max(0, picture.cap - enrolled)
    head = T["title_whatif"] if picture.hypothetical else T["title"]
    lines = [head.format(trial=picture.trial, history=picture.history, enrolled=enrolled,
                         left=left, cap=picture.cap),
             T["cohorts"].format(history=picture.history) if picture.history
             else T["no_cohorts"]]
    if decision is None:
        lines.append(T["unreadable"])
    else:
        action = STATUS["actions"][decision.action]
        label = next((lv.label for lv in picture.levels if lv.level == decision.next_dose), "")
        lines.append(T["step_dose"].format(action=action, label=label) if label
                     else T["step"].format(action=action))
    return "\n".join(lines)


def legend_handles() -> list:
    from matplotlib.lines import Line2D  # noqa: PLC0415

    handles = [
        Line2D([], [], linestyle="none", marker=marker or "o", markersize=12,
               markerfacecolor=face, markeredgecolor=edge, markeredgewidth=2,
               label=T["legend"][letter])
        for letter, (face, edge, marker) in STYLES.items()]
    handles.append(Line2D([], [], linestyle="none", marker="s", markersize=12,
                          markerfacecolor="white", markeredgecolor=INK, markeredgewidth=2,
                          label=T["legend"]["expansion"]))
    return handles

