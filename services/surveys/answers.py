"""A citizen's answers to a survey, checked against its questions: which questions the citizen was shown (show-if
logic), that every shown required one is answered, that no hidden one is, and each answer within its question's
rules. Pure functions over the survey's stored sections, so the page, the API and the tests share one reading.

Answers are stored as {question key: value}: single → option id, multiple → [option ids], ranking → [option ids in
rank order], scale → int, number → int or float, date → "YYYY-MM-DD", text → str. Option ids are positions from 1.
"""

import math
import re
from datetime import date

from libs.errors import ValidationError
from libs.schemas import CONTROL_CHARS
from services.surveys.schemas import MAX_NUMBER, MAX_TEXT

NUMBER = re.compile(r"^-?[0-9]{1,13}(\.[0-9]{1,6})?$")


def questions(sections):
    """Every question in order, across sections."""
    return [q for section in sections for q in section["questions"]]


def _empty(value):
    return value is None or value == "" or value == [] or value == {}


def _option(value, count):
    """An option id as the bus or a form gives it (1 or "1"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 3:
        value = int(value)
    return value if isinstance(value, int) and 1 <= value <= count else None


def _single(q, value):
    found = _option(value, len(q["options"]))
    if found is None:
        raise Wrong("选项不存在，请刷新页面后重试")
    return found


def _multiple(q, value):
    if not isinstance(value, list) or len(value) > len(q["options"]):
        raise Wrong("选项不存在，请刷新页面后重试")
    chosen = [_option(v, len(q["options"])) for v in value]
    if None in chosen or len(set(chosen)) != len(chosen):
        raise Wrong("选项不存在或有重复，请刷新页面后重试")
    low, high = q.get("min_choices") or 1, q.get("max_choices") or len(q["options"])
    if len(chosen) < low:
        raise Wrong(f"请至少选择{low}项")
    if len(chosen) > high:
        raise Wrong(f"最多只能选择{high}项")
    return sorted(chosen)


def _ranking(q, value):
    """Every option ranked once: a list in rank order, or {option id: rank} as the page's selects send it."""
    count = len(q["options"])
    if isinstance(value, dict):
        ranks = {}
        for option, rank in value.items():
            option, rank = _option(option, count), _option(rank, count)
            if option is None or rank is None:
                raise Wrong("请为每个选项选择名次")
            ranks[option] = rank
        if len(ranks) != count:
            raise Wrong("请为每个选项选择名次")
        if len(set(ranks.values())) != count:
            raise Wrong("名次不能重复，每个名次只能给一个选项")
        return sorted(ranks, key=ranks.get)
    if not isinstance(value, list):
        raise Wrong("请为每个选项选择名次")
    order = [_option(v, count) for v in value]
    if None in order or sorted(order) != list(range(1, count + 1)):
        raise Wrong("请为每个选项排出名次，每个名次只能给一个选项")
    return order


def _text(q, value):
    if not isinstance(value, str):
        raise Wrong("格式不正确")
    if CONTROL_CHARS.search(value):
        raise Wrong("含有无法识别的字符（如控制字符），请删除后重试")
    value = value.strip()
    low, high = q.get("min_length") or 0, min(q.get("max_length") or MAX_TEXT, MAX_TEXT)
    if len(value) < low:
        raise Wrong(f"至少需要{low}个字")
    if len(value) > high:
        raise Wrong(f"不能超过{high}个字")
    return value


def _scale(q, value):
    low, high = q.get("scale_min", 1), q.get("scale_max", 5)
    found = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 2:
        found = int(value)
    if found is None or not low <= found <= high:
        raise Wrong(f"请选择{low}到{high}之间的分数")
    return found


def _number(q, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Wrong("请填写数字")
    if isinstance(value, str):
        text = value.strip()
        if not NUMBER.match(text):
            raise Wrong("请填写数字（最多6位小数）")
        value = float(text) if "." in text else int(text)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Wrong("请填写数字")
        value = int(value) if value.is_integer() else round(value, 6)
    if abs(value) > MAX_NUMBER:
        raise Wrong("数字太大")
    if q.get("integer_only") and not isinstance(value, int):
        raise Wrong("请填写整数")
    low, high = q.get("number_min"), q.get("number_max")
    if low is not None and value < low:
        raise Wrong(f"不能小于{_plain(low)}")
    if high is not None and value > high:
        raise Wrong(f"不能大于{_plain(high)}")
    return value


def _date(q, value):
    try:
        found = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        found = None
    if found is None:
        raise Wrong("日期格式不正确（应为 年-月-日）")
    low, high = q.get("date_min"), q.get("date_max")
    if low and found < date.fromisoformat(low):
        raise Wrong(f"不能早于{low}")
    if high and found > date.fromisoformat(high):
        raise Wrong(f"不能晚于{high}")
    return found.isoformat()


CHECKS = {
    "single": _single,
    "multiple": _multiple,
    "ranking": _ranking,
    "text": _text,
    "scale": _scale,
    "number": _number,
    "date": _date,
}


class Wrong(Exception):
    """One answer's problem, in Chinese, as the page shows it under the question."""


def _plain(number):
    return str(int(number)) if float(number).is_integer() else str(number)


def check(sections, answers):
    """The answers to keep, or ValidationError with every problem at once: {"fields": {question key: reason}}."""
    if not isinstance(answers, dict):
        raise ValidationError("invalid_body", "提交的数据格式不正确")
    by_key = {q["key"]: q for q in questions(sections)}
    problems = {}
    for key in answers:
        if key not in by_key:
            problems[str(key)[:20]] = "题目不存在，请刷新页面后重试"
    given = {k: v for k, v in answers.items() if k in by_key and not _empty(v)}
    clean = {}
    picked = {}  # the options ticked in each shown choice question, valid answer or not: what the page showed by
    for q in questions(sections):
        key, rule = q["key"], q.get("show_if")
        if rule:
            if not picked.get(rule["question"], set()) & set(rule["options"]):
                if key in given:  # a page that did not follow the logic, or a hand-made request
                    problems[key] = "根据您前面的选择，此题无需作答，请刷新页面后重试"
                continue
        if q["type"] in ("single", "multiple"):
            raw = given.get(key)
            ticked = raw if isinstance(raw, list) else [raw]
            picked[key] = {o for o in (_option(v, len(q["options"])) for v in ticked[:30]) if o is not None}
        if key not in given:
            if q.get("required", True):
                problems[key] = "此题为必答题"
            continue
        try:
            clean[key] = CHECKS[q["type"]](q, given[key])
        except Wrong as exc:
            problems[key] = str(exc)
    if problems:
        raise ValidationError("invalid_answers", "请检查您的回答", {"fields": problems})
    return clean


def display(q, value):
    """An answer as a person reads it (exports, the admin's text list)."""
    if value is None:
        return ""
    labels = [o["label"] for o in q.get("options") or []]
    if q["type"] == "single":
        return labels[value - 1]
    if q["type"] == "multiple":
        return "；".join(labels[v - 1] for v in value)
    if q["type"] == "ranking":
        return " > ".join(labels[v - 1] for v in value)
    return value if isinstance(value, (int, float)) else str(value)
