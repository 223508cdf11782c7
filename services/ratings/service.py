"""ratings: 市民印象 and 领导点评 (their own issue); for now the service, its schema and its health RPC."""

from libs.service import ServiceBase
from services.ratings.models import audit_log


class RatingsService(ServiceBase):
    name = "ratings"
    audit_log = audit_log
