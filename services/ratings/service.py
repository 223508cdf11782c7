"""ratings: 市民印象 and 领导点评 (their own issue); for now the service, its schema and its health RPC."""

from libs.service import ServiceBase
from services.ratings.models import outbox


class RatingsService(ServiceBase):
    name = "ratings"
    outbox = outbox
