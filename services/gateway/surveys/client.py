"""The gateway's one door to the surveys service (微投票). Each call carries the request's actor (core/rpc.py);
surveys validates the input and checks permissions."""

from services.gateway.core.rpc import call


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
    return call("surveys", "vote_results_file", vote_id, fmt)
