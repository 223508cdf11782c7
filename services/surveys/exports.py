"""Downloads for the organiser: a vote's results (one row per option: votes, share of participants) and a
survey's responses (one row per response, and a sheet of figures per question)."""

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from libs.clock import local_minute
from libs.spreadsheets import csv_bytes, safe_text
from services.surveys import answers

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


# -- 微调研: every response, one row each, and a sheet of figures per question --------------------------------
def _survey_header(survey):
    qs = answers.questions(survey.sections)
    who = [] if survey.anonymous else ["答卷人（openid）"]
    return qs, [
        "序号",
        "提交日期" if survey.anonymous else "提交时间",
        *who,
        *[f"{q['key']}. {q['title']}" for q in qs],
    ]


def _survey_row(survey, qs, number, at, openid, given):
    when = local_minute(at.isoformat())[:10] if survey.anonymous else local_minute(at.isoformat())
    who = [] if survey.anonymous else [openid or ""]
    return [number, when, *who, *[answers.display(q, given.get(q["key"])) for q in qs]]


def survey_csv(survey, rows):
    qs, header = _survey_header(survey)
    return csv_bytes([[survey.title], header, *(_survey_row(survey, qs, *r) for r in rows)])


def _figures(result):
    """The results sheet: per question, its options (or values) with counts and shares, or its spread."""
    lines = [["题目", "题型", "作答人数", "选项/统计", "数量", "占作答人数"]]
    for q in result["questions"]:
        head = [f"{q['key']}. {q['title']}", q["type_label"], q["answered"]]
        if q["type"] in ("single", "multiple", "scale"):
            for o in q["options"]:
                lines.append([*head, o["label"], o["count"], o["percent"] / 100])
                head = ["", "", ""]
            if q["type"] == "scale":
                lines.append(["", "", "", "平均分", q["average"], None])
        elif q["type"] == "ranking":
            for o in q["options"]:
                lines.append([*head, f"{o['label']}（平均名次）", o["average_rank"], None])
                head = ["", "", ""]
        elif q["type"] == "number":
            for label, key in (("平均值", "average"), ("中位数", "median"), ("最小值", "min"), ("最大值", "max")):
                lines.append([*head, label, q[key], None])
                head = ["", "", ""]
        elif q["type"] == "date":
            lines.append([*head, "最早", q["earliest"], None])
            lines.append(["", "", "", "最晚", q["latest"], None])
        else:
            lines.append([*head, "见“答卷”表", None, None])
    return lines


def survey_xlsx(survey, rows, result):
    book = Workbook(write_only=True)  # write-only: rows stream out instead of every cell held as an object
    sheet = book.create_sheet("答卷")
    qs, header = _survey_header(survey)
    sheet.append([safe_text(survey.title)])
    sheet.append(header)
    for r in rows:
        sheet.append([safe_text(v) for v in _survey_row(survey, qs, *r)])
    figures = book.create_sheet("统计")
    for line in _figures(result):
        cells = [safe_text(v) for v in line]
        if isinstance(cells[-1], float):
            cells[-1] = WriteOnlyCell(figures, value=cells[-1])
            cells[-1].number_format = "0.0%"
        figures.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
