"""What a citizen's text message asks for, read the same way by messaging (which answers it at once) and by the
services that act on it (cases files "咨询 …" as an inquiry)."""

import re

INQUIRY = re.compile(r"^\s*咨询[\s:：,，、]*(?P<question>.*)$", re.S)
MIN_QUESTION = 10  # as the H5 form asks: a question of at least ten characters


def inquiry_question(text):
    """The question in "咨询 社保卡丢了怎么补办？", or None if the message is not an inquiry; "" if it is too short."""
    match = INQUIRY.match(text or "")
    if match is None:
        return None
    question = match.group("question").strip()
    return question if len(question) >= MIN_QUESTION else ""
