"""Case statistics per department: the figures, who sees which lines, CSV and XLSX, the monthly event."""

import io
import uuid
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from libs.auth import Actor
from libs.errors import Forbidden, ValidationError
from libs.unit_of_work import UnitOfWork
from services.cases import events, reports, workflow
from services.cases.models import Case, audit_log, outbox
from services.cases.tests.conftest import STAFF
from services.cases.tests.test_cases import complaint

DEPT = 4  # a department no other cases test files into, so its line is this test's alone


def test_the_figures_of_a_department(as_, db_session):
    today = workflow.local_today()
    dispatcher = as_(STAFF["dispatcher"])
    numbers = []
    for i in range(4):
        citizen = Actor.citizen(f"o_rep_{uuid.uuid4().hex[:8]}")
        filed = as_(citizen).create_case(
            complaint(department_id=DEPT, content=f"第{i}件：道路破损严重，请尽快修复。"), uuid.uuid4().hex
        )
        numbers.append((filed, citizen))
    (a, ca), (b, cb), (c, _), (d, _) = numbers
    for case in (a, b):
        dispatcher.reply_case(case["id"], {"body": "已修复"}, uuid.uuid4().hex)
        dispatcher.act_on_case(case["id"], "close", {})
    as_(ca).rate_case(a["number"], {"rating": "satisfied"})
    as_(cb).rate_case(b["number"], {"rating": "unsatisfied"})  # reopens b
    db_session.execute(update(Case).where(Case.id == c["id"]).values(due_on=today - timedelta(days=2)))
    db_session.commit()

    report = dispatcher.case_stats(today.isoformat(), today.isoformat())
    (line,) = [r for r in report["departments"] if r["department_id"] == DEPT]
    assert line["received"] == 4 and line["closed"] == 1 and line["on_time_rate"] == 1.0
    assert line["rated"] == 2 and line["satisfaction_rate"] == 0.5 and line["overdue"] == 1
    assert line["avg_response_hours"] is not None and line["avg_close_hours"] is not None

    handler = as_(Actor(kind="staff", id="9", name="某局", roles=("handler",), department_id=DEPT))
    mine = handler.case_stats(today.isoformat(), today.isoformat())["departments"]
    assert [r["department_id"] for r in mine] == [DEPT]  # a department sees its own line only
    with pytest.raises(ValidationError):
        dispatcher.case_stats(today.isoformat(), (today - timedelta(days=1)).isoformat())
    with pytest.raises(ValidationError):
        dispatcher.case_stats("2026-13-01", today.isoformat())
    with pytest.raises(ValidationError):
        as_(Actor.citizen("o_x")).case_stats(today.isoformat(), today.isoformat())
    with pytest.raises(Forbidden):
        as_(STAFF["auditor"]).case_stats(today.isoformat(), today.isoformat())

    csv_file = dispatcher.case_stats_file(today.isoformat(), today.isoformat(), "csv")
    import base64

    text = base64.b64decode(csv_file["data"]).decode("utf-8")
    assert text.startswith("\ufeff部门,受理量,办结量,按时办结率") and "50.0%" in text
    xlsx = base64.b64decode(dispatcher.case_stats_file(today.isoformat(), today.isoformat(), "xlsx")["data"])
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet["A2"].value == "部门" and sheet.title == "案件统计"
    values = [row for row in sheet.iter_rows(min_row=3, values_only=True) if row[1] == 4 and row[5] == 0.5]
    assert values, list(sheet.iter_rows(values_only=True))
    with pytest.raises(ValidationError):
        dispatcher.case_stats_file(today.isoformat(), today.isoformat(), "pdf")

    with UnitOfWork(
        db_session, Actor.system("cases"), audit_log=audit_log, outbox=outbox, contract=events.PUBLISHES
    ) as uow:
        assert reports.publish_month(uow, today) >= 1
    published = [
        r.payload["data"]
        for r in db_session.execute(select(outbox).where(outbox.c.event_type == "case_stats_published"))
    ]
    mine = [p for p in published if p["department_id"] == DEPT and p["period"] == f"{today:%Y-%m}"]
    assert mine and mine[-1]["received"] >= 4
    events.CaseStatsPublished.model_validate(mine[-1])
