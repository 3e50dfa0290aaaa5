"""The export as files: an XLSX workbook (openpyxl) for the trial master file and the monitors,
and one CSV per sheet for REDCap or R. /export sends the workbook; `trialbot export PATH
[--csv DIR]` writes the same files. No Telegram here: the shell uses it.

The records come from the use case (storage.usecases.reports.export_records); the sheet titles,
column headers and the sheet explaining every column are words, from handlers/texts.py EXPORT.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from handlers.texts import EXPORT as T
from storage.usecases.reports import Cell, Export, Table

WIDEST = 60  # characters: a column wider than this wraps nothing, it is just cut on screen


def sheets(export: Export) -> list[tuple[str, list[str], list[list[Cell]]]]:
    """Every sheet as (key, header row, rows): About, the records, then Columns."""
    records = [(t.name, [T["columns"][c][0] for c in t.columns], t.rows) for t in export.tables]
    return [about(export), *records, columns(export.tables)]


def about(export: Export) -> tuple[str, list[str], list[list[Cell]]]:
    items = T["about"]
    rows = [[items["study"], export.study], [items["site"], export.site],
            [items["exported_at"], export.exported_at], [items["exported_by"], export.exported_by],
            [items["time_zone"], export.time_zone], [items["times"], T["times"]],
            [items["names"], T["names"]]]
    return "about", list(T["about_columns"]), rows


def columns(tables: list[Table]) -> tuple[str, list[str], list[list[Cell]]]:
    """The sheet that explains every column of every record sheet."""
    rows = []
    for table in tables:
        for key in table.columns:
            header, meaning = T["columns"][key]
            standard = T["sdtm"] if header.isupper() else T["own"]
            rows.append([T["sheets"][table.name], header, standard, meaning])
    return "columns", list(T["columns_columns"]), rows


def workbook(export: Export) -> bytes:
    """The workbook as XLSX bytes: one sheet per table, headers bold and frozen. openpyxl is
    imported here, when a workbook is asked for: it costs a running bot 20 MB otherwise."""
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415

    book = Workbook()
    book.remove(book.active)
    for key, header, rows in sheets(export):
        sheet = book.create_sheet(T["sheets"][key])
        for column, text in enumerate(header, start=1):
            sheet.cell(row=1, column=column, value=text).font = Font(bold=True)
        for number, row in enumerate(rows, start=2):
            for column, value in enumerate(row, start=1):
                put(sheet, number, column, value)
        sheet.freeze_panes = "A2"
        fit_widths(sheet, header, rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def put(sheet, row: int, column: int, value: Cell) -> None:
    """One value, kept as it is: text that starts with '=' stays text (never a formula), and a
    control character XLSX cannot hold is written visibly as \\xNN (the CSV keeps it raw)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: PLC0415

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"


def fit_widths(sheet, header: list[str], rows: list[list[Cell]]) -> None:
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    for column, text in enumerate(header, start=1):
        longest = max([len(text), *(len(str(row[column - 1] or "")) for row in rows[:200])])
        sheet.column_dimensions[get_column_letter(column)].width = min(longest + 2, WIDEST)


def write_workbook(export: Export, path: str | Path) -> Path:
    path = Path(path)
    path.write_bytes(workbook(export))
    return path


def write_csvs(export: Export, folder: str | Path) -> list[Path]:
    """One UTF-8 CSV per sheet (named by its key: screening_log.csv, …), header row first,
    empty values empty; the folder is created if needed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for key, header, rows in sheets(export):
        path = folder / f"{key}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    return written


def file_name(export: Export) -> str:
    """'RD06-04-01-export-20260302T020000Z.xlsx': the study, the site and the moment (UTC)."""
    moment = datetime.fromisoformat(export.exported_at).astimezone(UTC)
    moment = moment.strftime("%Y%m%dT%H%M%SZ")
    return f"{export.study}-{export.site}-export-{moment}.xlsx"
