"""surveys: 微投票 (votes.py) and 微调研 (surveys.py: sections of questions with show-if logic, one response per
citizen). Staff calls need survey.manage; citizens vote and answer on the H5 pages, as themselves."""

import base64

from nameko.extensions import DependencyProvider

from libs import errors
from libs.service import ServiceBase, rpc
from libs.spreadsheets import XLSX
from services.surveys import exports, surveys, votes
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

    @staticmethod
    def _download(name, fmt, data):
        kinds = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}
        return {"filename": f"{name}.{fmt}", "content_type": kinds[fmt], "data": base64.b64encode(data).decode()}

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
        return self._download(f"vote-{view['id']}-results", fmt, data)

    # -- staff: 微调研 ---------------------------------------------------------------------------------------------
    @rpc
    def create_survey(self, data):
        with self.unit_of_work() as uow:
            return surveys.create(uow, data)

    @rpc
    def edit_survey(self, survey_id, data):
        with self.unit_of_work() as uow:
            return surveys.edit(uow, survey_id, data)

    @rpc
    def publish_survey(self, survey_id):
        with self.unit_of_work() as uow:
            return surveys.publish(uow, survey_id)

    @rpc
    def close_survey(self, survey_id):
        with self.unit_of_work() as uow:
            return surveys.close(uow, survey_id)

    @rpc
    def list_surveys(self):
        return surveys.staff_list(self.db, self.actor)

    @rpc
    def get_survey(self, survey_id):
        return surveys.staff_get(self.db, self.actor, survey_id, self._key())

    @rpc
    def survey_responses_file(self, survey_id, fmt):
        """Every response as a download (audited): {"filename", "content_type", "data" (base64)}; csv or xlsx."""
        if fmt not in ("csv", "xlsx"):
            raise errors.ValidationError("invalid_format", "格式只能是 csv 或 xlsx")
        with self.unit_of_work() as uow:
            survey = surveys.export_audited(uow, survey_id)
            rows = surveys.response_rows(uow.session, survey, self._key())
            if fmt == "csv":
                data = exports.survey_csv(survey, rows)
            else:
                data = exports.survey_xlsx(survey, rows, surveys.results(uow.session, survey, with_texts=False))
        return self._download(f"survey-{survey_id}-responses", fmt, data)

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
            done = votes.cast(uow, vote_id, data, self._key())
        votes.recount(vote_id)
        return done

    @rpc
    def public_surveys(self):
        return surveys.public_list(self.db)

    @rpc
    def public_survey(self, survey_id):
        return surveys.public_get(self.db, survey_id, self._key(), self._citizen_id())

    @rpc
    def respond_survey(self, survey_id, answers):
        with self.unit_of_work() as uow:
            done = surveys.respond(uow, survey_id, answers, self._key())
        surveys.recount(survey_id)  # the citizen's next page shows their own response counted
        return done
