"""A vote's results as the organiser downloads them: one row per option (votes, share of participants)."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from libs.clock import local_minute
from libs.spreadsheets import csv_bytes, safe_text

HEADER = ["选项", "票数", "占参与人数"]


def _rows(view):
    return [[r["label"], r["votes"], r["percent"] / 100] for r in view["results"]["options"]]


def _title(view):
    return [
        [view["title"]],
        [
            f"状态：{view['status_label']}，截止：{local_minute(view['closes_at'])}，参与人数：{view['results']['ballots']}"
        ],
    ]


def as_csv(view):
    rows = [[label, votes, f"{share * 100:.1f}%"] for label, votes, share in _rows(view)]
    return csv_bytes([*_title(view), HEADER, *rows])


def as_xlsx(view):
    book = Workbook()
    sheet = book.active
    sheet.title = "投票结果"
    for line in _title(view):
        sheet.append([safe_text(v) for v in line])
    sheet.append(HEADER)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for label, votes, share in _rows(view):
        sheet.append([safe_text(label), votes, share])
        sheet.cell(row=sheet.max_row, column=3).number_format = "0.0%"
    sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
