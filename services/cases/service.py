"""cases: 投诉举报, 咨询求助, 建议献策 — filing, numbering, staff replies; announces case events.

The acting citizen or staff member arrives with each call (libs.service.CurrentActor), never as an argument.
"""

from nameko.rpc import RpcProxy

from libs.errors import NotFound
from libs.service import PublishesEvents, ServiceBase, rpc
from services.cases import domain, events, schemas
from services.cases.departments import KnownDepartments
from services.cases.models import audit_log, outbox

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
