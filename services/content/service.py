"""content: department profiles now; posters, windows, service types, albums and news in later issues."""

from nameko.rpc import rpc
from sqlalchemy import select

from libs.errors import NotFound
from libs.service import ServiceBase
from services.content.models import Department, outbox


def department_view(d):
    return {
        "id": d.id,
        "name": d.name,
        "remit": d.remit,
        "phone": d.phone,
        "address": d.address,
        "hours": d.hours,
    }


class ContentService(ServiceBase):
    name = "content"
    outbox = outbox

    @rpc
    def list_departments(self):
        rows = self.db.scalars(select(Department).order_by(Department.sort_order, Department.id))
        return [department_view(d) for d in rows]

    @rpc
    def get_department(self, department_id):
        d = self.db.get(Department, department_id) if isinstance(department_id, int) else None
        if d is None:
            raise NotFound("department_not_found", "部门不存在")
        return department_view(d)
