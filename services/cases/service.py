"""cases: 投诉举报, 咨询求助, 建议献策 — filing, numbering, staff replies; announces case events."""

import logging

from nameko.rpc import RpcProxy, rpc

from libs.auth import Actor
from libs.errors import NotFound
from libs.service import ServiceBase
from services.cases import domain, schemas
from services.cases.models import outbox

log = logging.getLogger(__name__)


class CasesService(ServiceBase):
    name = "cases"
    outbox = outbox

    content = RpcProxy("content")

    @rpc
    def create_case(self, actor, data, request_id):
        case, created = domain.create_case(self.db, Actor.from_dict(actor), data, request_id)
        if created:
            self.relay_events()
        return {**schemas.owner_view(case), "created": created}

    @rpc
    def citizen_view(self, number, openid=None):
        return domain.citizen_view(self.db, number, openid)

    @rpc
    def citizen_cases(self, openid):
        return domain.citizen_cases(self.db, openid)

    @rpc
    def list_cases(self, actor, status=None, text=None):
        return domain.staff_list(self.db, Actor.from_dict(actor), status, text)

    @rpc
    def get_case(self, actor, case_id):
        return domain.staff_detail(self.db, Actor.from_dict(actor), case_id)

    @rpc
    def reply_case(self, actor, case_id, data, request_id):
        case, created = domain.reply(self.db, Actor.from_dict(actor), case_id, data, request_id)
        if created:
            self.relay_events()
        # without contact details: replying is not a reason to read them (and each read is audited)
        return {**schemas.staff_view(case, with_contact=False), "created": created}

    @rpc
    def assign_case(self, actor, case_id, data):
        case, changed = domain.assign(self.db, Actor.from_dict(actor), case_id, data, self._department_exists)
        if changed:
            self.relay_events()
        return {**schemas.staff_view(case, with_contact=False), "changed": changed}

    def _department_exists(self, department_id):
        try:
            self.content.get_department(department_id)
            return True
        except NotFound:
            return False

    @rpc
    def audit_trail(self, actor, case_id):
        return domain.audit_trail(self.db, Actor.from_dict(actor), case_id)
