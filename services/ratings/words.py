"""The sensitive-word list: a text is screened as written and with spaces, punctuation and full-width forms taken out
(so "傻 逼" and "傻。逼" are caught). Each process keeps the list for CACHE_SECONDS; a change made here is seen at
once, other replicas' within that time."""

import re
import time
import unicodedata

from sqlalchemy import select

from services.ratings.models import SensitiveWord

CACHE_SECONDS = 10.0
FILLER = re.compile(r"[\s\W_]+", re.UNICODE)
_cache = {"at": float("-inf"), "words": ()}


def _folded(text):
    return FILLER.sub("", unicodedata.normalize("NFKC", text).lower())


def _words(session):
    if time.monotonic() - _cache["at"] > CACHE_SECONDS:
        rows = session.execute(select(SensitiveWord.word, SensitiveWord.action)).all()
        _cache["words"] = tuple((_folded(w), w, a) for w, a in rows if _folded(w))
        _cache["at"] = time.monotonic()
    return _cache["words"]


def forget():
    _cache["at"] = float("-inf")


def screen(session, text):
    """(words that refuse the text, words that hold it for a moderator), each as staff wrote them."""
    folded = _folded(text)
    refused, held = [], []
    for key, word, action in _words(session):
        if key in folded:
            (refused if action == "reject" else held).append(word)
    return refused, held
