"""content: department profiles now; posters, windows, service types, albums and news in later issues."""

from sqlalchemy import select

from libs.errors import NotFound
from libs.schemas import MAX_INT
from libs.service import ServiceBase, rpc
from services.content.models import Department, audit_log
from services.content.schemas import department_view


class ContentService(ServiceBase):
    name = "content"
    audit_log = audit_log

    @rpc
    def list_departments(self):
        rows = self.db.scalars(select(Department).order_by(Department.sort_order, Department.id))
        return [department_view(d) for d in rows]

    @rpc
    def get_department(self, department_id):
        valid = isinstance(department_id, int) and not isinstance(department_id, bool) and 1 <= department_id <= MAX_INT
        d = self.db.get(Department, department_id) if valid else None
        if d is None:
            raise NotFound("department_not_found", "部门不存在")
        return department_view(d)
