"""The gateway's one door to the surveys service (微投票 and 微调研). Each call carries the request's actor
(core/rpc.py); surveys validates the input and checks permissions."""

from services.gateway.core.rpc import call, call_download


def staff_votes():
    return call("surveys", "list_votes")


def staff_vote(vote_id):
    return call("surveys", "get_vote", vote_id)


def create(data):
    return call("surveys", "create_vote", data)


def edit(vote_id, data):
    return call("surveys", "edit_vote", vote_id, data)


def publish(vote_id):
    return call("surveys", "publish_vote", vote_id)


def close(vote_id):
    return call("surveys", "close_vote", vote_id)


def public_votes():
    return call("surveys", "public_votes")


def public_vote(vote_id):
    return call("surveys", "public_vote", vote_id)


def cast(vote_id, data):
    return call("surveys", "cast_vote", vote_id, data)


def results_file(vote_id, fmt):
    return call_download("surveys", "vote_results_file", vote_id, fmt)


# -- 微调研 ------------------------------------------------------------------------------------------------------
def staff_surveys():
    return call("surveys", "list_surveys")


def staff_survey(survey_id):
    return call("surveys", "get_survey", survey_id)


def create_survey(data):
    return call("surveys", "create_survey", data)


def edit_survey(survey_id, data):
    return call("surveys", "edit_survey", survey_id, data)


def publish_survey(survey_id):
    return call("surveys", "publish_survey", survey_id)


def close_survey(survey_id):
    return call("surveys", "close_survey", survey_id)


def responses_file(survey_id, fmt):
    return call_download("surveys", "survey_responses_file", survey_id, fmt)


def public_surveys():
    return call("surveys", "public_surveys")


def public_survey(survey_id):
    return call("surveys", "public_survey", survey_id)


def respond(survey_id, answers):
    return call("surveys", "respond_survey", survey_id, answers)


# -- announcing a vote or survey: a mass-send draft in messaging, which an operator submits and another approves --
def draft_announcement(title, text):
    return call("messaging", "save_mass_send", None, {"title": title[:60], "content": text, "target": {"kind": "all"}})
