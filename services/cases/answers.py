"""A service type's own questions (its form fields, defined in content after Open311 service attributes), answered
on the case forms: checked here against the definition content gives, stored with the case.

Datatypes: string (≤ 200 characters), text (≤ 2000), number, date (YYYY-MM-DD), singlevaluelist (one option key),
multivaluelist (option keys). Errors come back per field as "answers.<code>", in Chinese.
"""

import re
from datetime import date

from libs.errors import ValidationError
from libs.schemas import CONTROL_CHARS

NUMBER = re.compile(r"^-?\d{1,12}(\.\d{1,6})?$")
LIMITS = {"string": 200, "text": 2000}


def check(fields, answers):
    """{code: value} cleaned for `fields` (content's FormField dicts); unknown codes are dropped."""
    if answers in (None, ""):
        answers = {}
    if not isinstance(answers, dict):
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": {"answers": "补充信息格式不正确"}})
    clean, errors = {}, {}
    for field in fields or ():
        code, label, kind = field["code"], field["label"], field["datatype"]
        value = answers.get(code)
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        values = [v.strip() if isinstance(v, str) else v for v in values]
        values = [v for v in values if v not in (None, "")]
        if not values:
            if field.get("required"):
                errors[f"answers.{code}"] = f"请填写{label}"
            continue
        try:
            clean[code] = _one(kind, label, values, {o["key"] for o in field.get("options") or ()})
        except ValueError as exc:
            errors[f"answers.{code}"] = str(exc)
    if errors:
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": errors})
    return clean


def _one(kind, label, values, options):
    if kind == "multivaluelist":
        if not all(isinstance(v, str) and v in options for v in values):
            raise ValueError(f"请从{label}的选项中选择")
        return sorted(set(values))
    if len(values) != 1 or not isinstance(values[0], str | int | float) or isinstance(values[0], bool):
        raise ValueError(f"{label}只能填写一项")
    value = str(values[0])
    if CONTROL_CHARS.search(value):
        raise ValueError(f"{label}含有无法识别的字符")
    if kind in LIMITS:
        if len(value) > LIMITS[kind]:
            raise ValueError(f"{label}不能超过{LIMITS[kind]}个字")
        return value
    if kind == "number":
        if not NUMBER.match(value):
            raise ValueError(f"{label}应为数字")
        return value
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat() if len(value) == 10 else _bad_date(label)
        except ValueError:
            _bad_date(label)
    if kind == "singlevaluelist":
        if value not in options:
            raise ValueError(f"请从{label}的选项中选择")
        return value
    raise ValueError(f"{label}不正确")


def _bad_date(label):
    raise ValueError(f"{label}格式不正确（应为 年-月-日）")


def as_stored(fields, clean):
    """What the case keeps: each answered question with its label and its answer as a citizen reads it (an option's
    name, not its key), so later edits of the service type do not change what was asked."""
    items = []
    for field in fields or ():
        if field["code"] not in clean:
            continue
        names = {o["key"]: o["name"] for o in field.get("options") or ()}
        value = clean[field["code"]]
        shown = "、".join(names.get(v, v) for v in value) if isinstance(value, list) else names.get(value, value)
        items.append({"code": field["code"], "label": field["label"], "value": value, "display": shown})
    return {"items": items}
