"""The sensitive-word list: a text is screened with full-width forms and case normalised and spaces taken out (so
"傻 逼" is caught), and for words that only hold a text, punctuation taken out too. Each process keeps the list
for CACHE_SECONDS; a change made here is seen at once, other replicas' within that time."""

import re
import time
import unicodedata

from sqlalchemy import select

from services.ratings.models import SensitiveWord

CACHE_SECONDS = 10.0
FILLER = re.compile(r"[\s\W_]+", re.UNICODE)
_cache = {"at": float("-inf"), "words": ()}


SPACES = re.compile(r"\s+")


def _folded(text):
    return FILLER.sub("", unicodedata.normalize("NFKC", text).lower())


def _spaced(text):
    return SPACES.sub("", unicodedata.normalize("NFKC", text).lower())


def _words(session):
    if time.monotonic() - _cache["at"] > CACHE_SECONDS:
        rows = session.execute(select(SensitiveWord.word, SensitiveWord.action)).all()
        _cache["words"] = tuple((_folded(w), w, a) for w, a in rows if _folded(w))
        _cache["at"] = time.monotonic()
    return _cache["words"]


def forget():
    _cache["at"] = float("-inf")


def screen(session, text):
    """(words that refuse the text, words that hold it for a moderator), each as staff wrote them. A refusal is
    said to the citizen, so it matches only across spaces ("傻 逼"), not across punctuation, where two words' ends
    meet by chance more often; a hold only brings a moderator's eye, so it matches across both."""
    folded, spaced = _folded(text), _spaced(text)
    refused, held = [], []
    for key, word, action in _words(session):
        if action == "reject" and key in spaced:
            refused.append(word)
        elif action == "hold" and key in folded:
            held.append(word)
    return refused, held
