"""cases: 投诉举报, 咨询求助, 建议献策 — filing, numbering, staff replies — and 服务预约 (appointments.py);
announces case and appointment events.

The acting citizen or staff member arrives with each call (libs.service.CurrentActor), never as an argument.
"""

import logging
from datetime import date

from nameko.rpc import RpcProxy
from nameko.timer import timer

from libs.errors import NotFound
from libs.service import PublishesEvents, ServiceBase, rpc
from services.cases import appointments, domain, events, schemas
from services.cases.departments import KnownDepartments
from services.cases.models import audit_log, outbox

log = logging.getLogger(__name__)
departments = KnownDepartments()  # per process; see departments.py


class CasesService(PublishesEvents, ServiceBase):
    name = "cases"
    audit_log = audit_log
    outbox = outbox
    contract = events.PUBLISHES

    content = RpcProxy("content")

    def _department_exists(self, department_id):
        return departments.exists(department_id, self.content.list_departments)

    def _service_type(self, service_type_id):
        try:
            return self.content.get_service_type(service_type_id)
        except NotFound:
            return None

    @rpc
    def create_case(self, data, request_id):
        with self.unit_of_work() as uow:
            case, created = domain.create_case(uow, data, request_id, self._department_exists, self._service_type)
        return schemas.owner_view(case, created=created)

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

    @rpc
    def reply_case(self, case_id, data, request_id):
        with self.unit_of_work() as uow:
            case, created = domain.reply(uow, case_id, data, request_id)
            # without contact details: replying is not a reason to read them (and each read is audited)
            return schemas.staff_view(case, contact_available=True, changed=created)

    @rpc
    def assign_case(self, case_id, data):
        with self.unit_of_work() as uow:
            case, changed = domain.assign(uow, case_id, data, self._department_exists)
            return schemas.staff_view(case, contact_available=True, changed=changed)

    @rpc
    def audit_trail(self, case_id):
        return domain.audit_trail(self.db, self.actor, case_id)

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


def _date(value):
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None
