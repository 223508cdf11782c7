"""Downloads staff open in Excel: CSV with the BOM Excel needs for Chinese, and text kept from being a formula."""

import csv
import io

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_text(value):
    """Text a spreadsheet must not take for a formula (=, +, -, @ first): kept as text with a leading quote."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def csv_bytes(rows):
    out = io.StringIO()
    out.write("\ufeff")  # a BOM: Excel opens UTF-8 Chinese correctly only with it
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_text(v) for v in row])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows, title="Sheet1"):
    """One sheet of `rows` (the first is the header, in bold), text kept from being a formula as in CSV."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for i, row in enumerate(rows):
        sheet.append([safe_text(v) for v in row])
        if i == 0:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
