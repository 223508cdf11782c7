"""surveys: 微投票 (votes.py) today; 微调研 (surveys with questions and logic) comes next in the same service."""

import base64

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from libs import errors
from libs.service import ServiceBase
from libs.spreadsheets import XLSX
from services.surveys import exports, votes
from services.surveys.models import audit_log


class VoterKey(DependencyProvider):
    """The key of voters' hashes, resolved when the service starts: without one in production it does not start
    (rather than failing each citizen's ballot)."""

    def setup(self):
        self.key = votes.voter_key(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.key


class SurveysService(ServiceBase):
    name = "surveys"
    audit_log = audit_log
    voter_key = VoterKey()

    def _key(self):
        return self.voter_key

    def _citizen_id(self):
        return self.actor.id if self.actor.kind == "citizen" else None

    # -- staff: 微投票 ---------------------------------------------------------------------------------------------
    @rpc
    def create_vote(self, data):
        with self.unit_of_work() as uow:
            return votes.create(uow, data)

    @rpc
    def edit_vote(self, vote_id, data):
        with self.unit_of_work() as uow:
            return votes.edit(uow, vote_id, data)

    @rpc
    def publish_vote(self, vote_id):
        with self.unit_of_work() as uow:
            return votes.publish(uow, vote_id)

    @rpc
    def close_vote(self, vote_id):
        with self.unit_of_work() as uow:
            return votes.close(uow, vote_id)

    @rpc
    def list_votes(self):
        return votes.staff_list(self.db, self.actor)

    @rpc
    def get_vote(self, vote_id):
        return votes.staff_get(self.db, self.actor, vote_id)

    @rpc
    def vote_results_file(self, vote_id, fmt):
        """A vote's results as a download: {"filename", "content_type", "data" (base64)}; fmt is csv or xlsx."""
        if fmt not in ("csv", "xlsx"):
            raise errors.ValidationError("invalid_format", "格式只能是 csv 或 xlsx")
        view = votes.staff_get(self.db, self.actor, vote_id)
        data = exports.as_csv(view) if fmt == "csv" else exports.as_xlsx(view)
        kinds = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}
        name = f"vote-{view['id']}-results.{fmt}"
        return {"filename": name, "content_type": kinds[fmt], "data": base64.b64encode(data).decode()}

    # -- citizens ---------------------------------------------------------------------------------------------------
    @rpc
    def public_votes(self):
        return votes.public_list(self.db)

    @rpc
    def public_vote(self, vote_id):
        return votes.public_get(self.db, vote_id, self._key(), self._citizen_id())

    @rpc
    def cast_vote(self, vote_id, data):
        with self.unit_of_work() as uow:
            return votes.cast(uow, vote_id, data, self._key())
