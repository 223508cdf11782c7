"""content: the public catalogue (departments, windows, service types); posters, albums and news in later steps."""

from libs.service import ServiceBase, rpc
from services.content import catalogue
from services.content.models import audit_log


class ContentService(ServiceBase):
    name = "content"
    audit_log = audit_log

    @rpc
    def list_departments(self):
        return catalogue.departments(self.db)

    @rpc
    def get_department(self, department_id):
        return catalogue.department(self.db, department_id)

    @rpc
    def department_detail(self, department_id):
        """A department's page: its profile, leaders and the services it is responsible for."""
        return catalogue.department_detail(self.db, department_id)

    @rpc
    def list_windows(self):
        return catalogue.windows(self.db)

    @rpc
    def get_window(self, window_id):
        return catalogue.window(self.db, window_id)

    @rpc
    def list_service_types(self, window_id=None, standalone=False):
        return catalogue.service_types(self.db, window_id, bool(standalone))

    @rpc
    def get_service_type(self, service_type_id):
        return catalogue.service_type(self.db, service_type_id)

    @rpc
    def list_news(self, limit=20, offset=0):
        return catalogue.news(self.db, limit, offset)

    @rpc
    def get_news(self, news_id):
        return catalogue.news_item(self.db, news_id)

    @rpc
    def search(self, query, limit=20):
        """公民查询: ranked hits over services, departments and windows."""
        return catalogue.find(self.db, query, limit)
