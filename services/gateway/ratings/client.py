"""The gateway's one door to the ratings service (市民印象, 领导点评). Each call carries the request's actor
(core/rpc.py); ratings validates the input and checks permissions."""

from services.gateway.core.rpc import call


def board():
    return call("ratings", "board")


def scorecard(department_id):
    return call("ratings", "scorecard", department_id)


def official(department_id, name):
    return call("ratings", "official_comments", department_id, name)


def tags():
    return call("ratings", "tags")


def rate(data):
    return call("ratings", "rate", data)


def my_ratings():
    return call("ratings", "my_ratings")


def withdraw(rating_id):
    return call("ratings", "withdraw_rating", rating_id)


def comment(data):
    return call("ratings", "comment", data)


def my_comments():
    return call("ratings", "my_comments")


def report(comment_id, data):
    return call("ratings", "report_comment", comment_id, data)


def moderation_queue():
    return call("ratings", "moderation_queue")


def moderate(comment_id, data):
    return call("ratings", "moderate_comment", comment_id, data)


def moderate_impression(rating_id, show, seen):
    return call("ratings", "moderate_impression_comment", rating_id, show, seen)


def review(rating_ids, decision):
    return call("ratings", "review_ratings", rating_ids, decision)


def office_comments(department_id=None):
    return call("ratings", "office_comments", department_id)


def respond(comment_id, data):
    return call("ratings", "respond_comment", comment_id, data)


def settings():
    return call("ratings", "settings")


def save_tag(tag_id, data):
    return call("ratings", "save_tag", tag_id, data)


def add_word(data):
    return call("ratings", "add_word", data)


def remove_word(word_id):
    return call("ratings", "remove_word", word_id)
