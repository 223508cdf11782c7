"""cases: 投诉举报, 咨询求助, 建议献策 — filing, numbering, staff replies — and 服务预约 (appointments.py);
announces case and appointment events.

The acting citizen or staff member arrives with each call (libs.service.CurrentActor), never as an argument.
"""

import base64
import binascii
import logging
from datetime import date, timedelta

from nameko.rpc import RpcProxy
from nameko.timer import timer
from sqlalchemy import select

from libs import errors
from libs.auth import Actor
from libs.clock import today as local_today
from libs.errors import NotFound
from libs.service import ConsumesEvents, PublishesEvents, ServiceBase, handles, rpc
from libs.spreadsheets import XLSX
from services.cases import appointments, domain, duplicates, events, open311, reports, schemas, workflow
from services.cases.departments import KnownDepartments
from services.cases.models import Case, audit_log, outbox, parked_events, processed_events

log = logging.getLogger(__name__)
departments = KnownDepartments()  # per process; see departments.py


class CasesService(PublishesEvents, ConsumesEvents, ServiceBase):
    name = "cases"
    audit_log = audit_log
    outbox = outbox
    contract = events.PUBLISHES
    processed_events = processed_events
    parked_events = parked_events

    content = RpcProxy("content")

    def _department_name(self, department_id):
        return departments.name(department_id, self.content.list_departments)

    def _deadlines(self):
        return (self.config.get("CASES") or {}).get("DEADLINE_DAYS")

    def _service_type(self, service_type_id):
        try:
            return self.content.get_service_type(service_type_id)
        except NotFound:
            return None

    @rpc
    def create_case(self, data, request_id, photos_base64=()):
        """A citizen files a case; photos cross the bus as base64 (at most 3, each checked by libs/images.py)."""
        photos = [_decode(p) for p in (photos_base64 or ())[: domain.MAX_PHOTOS + 1]]
        with self.unit_of_work() as uow:
            case, created = domain.create_case(
                uow, data, request_id, self._department_name, self._service_type, self._deadlines(), photos
            )
            return schemas.owner_view(case, created=created)

    @rpc
    def similar_cases(self, data, request_id=None):
        """Before filing: the citizen's own similar open cases, and how many others are like it."""
        if self.actor.kind != "citizen":
            raise errors.Forbidden("citizens_only", "只有市民本人可以查看")
        return duplicates.for_citizen(self.db, self.actor, data, request_id)

    @rpc
    def open311_file(self, data):
        """POST /requests from an Open311 client (the gateway maps the protocol's fields onto case fields)."""
        with self.unit_of_work() as uow:
            case = open311.file(uow, data, self._service_type, self._department_name, self._deadlines(), domain.file)
            return open311.view(case)

    @rpc
    def open311_requests(self, query):
        return open311.requests(self.db, query)

    @rpc
    def create_case_for_citizen(self, data, request_id):
        """受理中心 enters a phoned-in or walk-in case (data["channel"]: phone | walk_in)."""
        with self.unit_of_work() as uow:
            case, created = domain.create_for_citizen(
                uow, data, request_id, self._department_name, self._service_type, self._deadlines()
            )
            return domain.staff_case_view(uow.session, uow.actor, case, changed=created)

    @rpc
    def case_photo(self, ref, sha256):
        """A case's photo for its filer (ref: number) or its staff (ref: id): {"content_type", "data" (base64)}."""
        return domain.photo(self.db, self.actor, ref, sha256)

    @rpc
    def citizen_view(self, number):
        return domain.citizen_view(self.db, self.actor, number)

    @rpc
    def citizen_cases(self):
        return domain.citizen_cases(self.db, self.actor)

    @rpc
    def list_cases(self, query=None):
        return domain.staff_list(self.db, self.actor, query)

    @rpc
    def get_case(self, case_id):
        return domain.staff_detail(self.db, self.actor, case_id)

    @rpc
    def reveal_contact(self, case_id, data=None):
        with self.unit_of_work() as uow:
            return domain.reveal_contact(uow, case_id, data)

    def _after(self, uow, case, changed):
        # without contact details: acting on a case is not a reason to read them (and each read is audited)
        uow.session.flush()
        uow.session.refresh(case)
        return domain.staff_case_view(uow.session, uow.actor, case, changed=changed)

    @rpc
    def reply_case(self, case_id, data, request_id):
        with self.unit_of_work() as uow:
            case, created = domain.reply(uow, case_id, data, request_id)
            return self._after(uow, case, created)

    @rpc
    def assign_case(self, case_id, data):
        with self.unit_of_work() as uow:
            case, changed = domain.assign(uow, case_id, data, self._department_name)
            return self._after(uow, case, changed)

    @rpc
    def act_on_case(self, case_id, action, data=None):
        """A workflow step: accept, assign, start, return, reject, merge, close, reopen (workflow.ACTIONS)."""
        with self.unit_of_work() as uow:
            case, changed = domain.act(uow, case_id, action, data, self._department_name, self._deadlines())
            return self._after(uow, case, changed)

    @rpc
    def bulk_assign(self, data):
        with self.unit_of_work() as uow:
            return domain.bulk_assign(uow, data, self._department_name)

    @rpc
    def add_case_note(self, case_id, data):
        with self.unit_of_work() as uow:
            return self._after(uow, domain.add_note(uow, case_id, data), True)

    @rpc
    def request_extension(self, case_id, data):
        with self.unit_of_work() as uow:
            return self._after(uow, domain.request_extension(uow, case_id, data), True)

    @rpc
    def decide_extension(self, case_id, extension_id, approve):
        with self.unit_of_work() as uow:
            return self._after(uow, domain.decide_extension(uow, case_id, extension_id, approve), True)

    @rpc
    def rate_case(self, number, data):
        """The filer's 满意 / 基本满意 / 不满意 on a closed case (不满意 reopens it, once)."""
        with self.unit_of_work() as uow:
            return schemas.owner_view(domain.rate(uow, number, data, self._deadlines()))

    @rpc
    def set_deadline(self, data):
        """Working days for one service type's cases of one kind (the kinds' defaults are in the config)."""
        with self.unit_of_work() as uow:
            return workflow.set_override(uow, data)

    @rpc
    def reply_templates(self, case_id=None):
        """The model answers that fit a case (all of them without one)."""
        if case_id is None:
            return workflow.all_templates(self.db, self.actor)
        case = domain.staff_case(self.db, self.actor, case_id, "case.read")
        return workflow.templates_for(self.db, case)

    @rpc
    def save_reply_template(self, template_id, data):
        with self.unit_of_work() as uow:
            return workflow.save_template(uow, template_id, data)

    @rpc
    def case_stats(self, start, end):
        """Per department, cases filed between two local dates: 受理量, 按时办结率, 满意率, times, overdue."""
        return reports.stats(self.db, self.actor, start, end)

    @rpc
    def case_daily(self, days=30):
        """Cases filed per day, by where each stands now: the dashboards' figure (case.read, scoped)."""
        return reports.daily(self.db, self.actor, days)

    @rpc
    def case_stats_file(self, start, end, fmt):
        """The same as a download: {"filename", "content_type", "data" (base64)}; fmt is csv or xlsx."""
        if fmt not in ("csv", "xlsx"):
            raise errors.ValidationError("invalid_format", "格式只能是 csv 或 xlsx")
        report = reports.stats(self.db, self.actor, start, end)
        data = reports.as_csv(report) if fmt == "csv" else reports.as_xlsx(report)
        kinds = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}
        name = f"case-stats-{report['start']}-{report['end']}.{fmt}"
        return {"filename": name, "content_type": kinds[fmt], "data": base64.b64encode(data).decode()}

    @timer(interval=3600)
    def publish_case_stats(self):
        """Each hour, this month's figures so far (and on the 1st, last month's final ones) as case_stats_published."""
        try:
            today = local_today()
            with self.unit_of_work() as uow:
                reports.publish_month(uow, today)
                if today.day == 1:
                    reports.publish_month(uow, today - timedelta(days=1))
        except Exception:
            log.exception("publishing case statistics failed; next round in an hour")

    @timer(interval=60)
    def case_clock(self):
        """Overdue cases escalate (督办) within a minute of their deadline passing."""
        try:
            with self.unit_of_work() as uow:
                escalated = workflow.escalate_overdue(uow)
            if escalated:
                log.info("cases: %d overdue cases escalated", escalated)
        except Exception:
            log.exception("the case clock failed; next round in 60 s")

    @rpc
    def audit_trail(self, case_id):
        return domain.audit_trail(self.db, self.actor, case_id)

    def audit_target(self, query):
        """The audit viewer's case, named by its number, is the case's id in this service's rows."""
        if not query.case_number:
            return query
        case_id = self.db.scalar(select(Case.id).where(Case.number == query.case_number.strip().upper()))
        if case_id is None:
            return None
        return query.model_copy(update={"target_type": "case", "target_id": str(case_id), "case_number": None})

    @handles("messaging", "wechat_message_received", events.WeChatText)
    def file_wechat_inquiry(self, uow, delivery):
        """ "咨询 社保卡丢了怎么补办？" sent to the account becomes an inquiry (messaging has already said so)."""
        # the citizen is the actor of their own filing (limits and ownership as on the form)
        uow.actor = Actor.citizen(delivery.data.openid)
        try:
            with uow.savepoint():
                case = domain.inquiry_from_wechat(uow, delivery.data, self._department_name, self._deadlines())
        except (errors.ValidationError, errors.RateLimited) as exc:
            # messaging said "received": the citizen hears why it was not filed instead of nothing
            refused = {"openid": delivery.data.openid, "reason": exc.message, "key": delivery.data.key}
            uow.publish("inquiry_refused", refused)
            log.info("a wechat inquiry was refused: %s", exc.code)
            return
        if case is not None:
            log.info("wechat inquiry filed as %s", case.number)

    # -- 服务预约 ----------------------------------------------------------------------------------------------
    def _bookable_service(self, service_type_id):
        service = self._service_type(service_type_id)
        if service is None:
            raise NotFound("service_type_not_found", "服务事项不存在")
        return service

    @rpc
    def booking_availability(self, service_type_id):
        """The days a service type can be booked on, with the places left (public)."""
        return appointments.availability(self.db, self._bookable_service(service_type_id))

    @rpc
    def booking_slots(self, service_type_id, day):
        """One day's slots and their free places (public); `day` is an ISO date."""
        return appointments.slots(self.db, self._bookable_service(service_type_id), _date(day))

    @rpc
    def book_appointment(self, data, request_id):
        with self.unit_of_work() as uow:
            appointment, created = appointments.book(uow, data, request_id, self._service_type)
            return appointments.citizen_view(appointment, created=created)

    @rpc
    def citizen_appointments(self):
        return appointments.citizen_appointments(self.db, self.actor)

    @rpc
    def citizen_appointment(self, number):
        return appointments.citizen_appointment(self.db, self.actor, number)

    @rpc
    def cancel_appointment(self, number):
        with self.unit_of_work() as uow:
            appointment, _changed = appointments.cancel(uow, number)
            return appointments.citizen_view(appointment)

    @rpc
    def list_appointments(self, query=None):
        return appointments.staff_list(self.db, self.actor, query)

    @rpc
    def check_in_appointment(self, appointment_id):
        with self.unit_of_work() as uow:
            appointment, _changed = appointments.check_in(uow, appointment_id)
            return appointments.staff_view(appointment)

    @rpc
    def booking_rules(self):
        return appointments.booking_rules(self.db, self.actor)

    @rpc
    def save_booking_rule(self, window_id, data):
        with self.unit_of_work() as uow:
            return appointments.save_rule(uow, window_id, data, self._window_exists)

    def _window_exists(self, window_id):
        try:
            self.content.get_window(window_id)
        except NotFound:
            return False
        return True

    @rpc
    def calendar_days(self, year):
        return appointments.calendar_days(self.db, year)

    @rpc
    def set_calendar_day(self, data):
        with self.unit_of_work() as uow:
            return appointments.set_calendar_day(uow, data)

    @timer(interval=30)
    def appointment_clock(self):
        """Reminders the day before, no-shows released a quarter of an hour into their slot."""
        try:
            with self.unit_of_work() as uow:
                reminded, no_shows = appointments.sweep(uow)
            if reminded or no_shows:
                log.info("appointments: %d reminded, %d no-shows released", reminded, no_shows)
        except Exception:
            log.exception("the appointment clock failed; next round in 30 s")


def _decode(value):
    """base64 → bytes; anything else is no image (libs/images.py says so in Chinese)."""
    try:
        return base64.b64decode(value, validate=True) if isinstance(value, str) else b""
    except (binascii.Error, ValueError):
        return b""


def _date(value):
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None
