"""surveys: 微调研 and 微投票 (their own issue); for now the service, its schema and its health RPC."""

from libs.service import ServiceBase
from services.surveys.models import audit_log


class SurveysService(ServiceBase):
    name = "surveys"
    audit_log = audit_log
