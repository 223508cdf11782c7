"""What crosses the bus and the JSON API is declared as pydantic v2 models; this module holds the field types
every service shares and turns pydantic's errors into one Chinese message per field.

Why pydantic: one declaration gives validation (nested models and lists included: surveys, menus, mass-send
targets), normalisation, serialisation of the views services return, and the JSON Schema the gateway's OpenAPI
document is generated from. Its core is compiled, so validating on every RPC costs microseconds.

Field types normalise what a person types and refuse the rest with a reason:
- text is stripped; NUL and other control characters (which PostgreSQL refuses, and nobody types) are refused;
- ids are whole numbers in the column's range (`true`, `1.0`, `1e400`, `2**63` are refused, "12" is taken);
- phone numbers in full-width digits, with spaces, dashes or +86 are normalised; other scripts' digits are refused.
"""

import re
import unicodedata
from datetime import date
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from libs.clock import today
from libs.errors import ValidationError

MAX_INT = 2**31 - 1  # PostgreSQL integer
MAX_BIGINT = 2**63 - 1  # PostgreSQL bigint
# control characters nobody types (PostgreSQL refuses NUL), and lone surrogates (no UTF-8 can carry them)
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
DIGITS = re.compile(r"^[0-9]{1,19}$")
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^0[1-9][0-9]{8,10}$")  # area code (3-4 digits with the 0) + 7-8 digits
REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class Input(BaseModel):
    """Base for what callers send: unknown keys are ignored (forms carry csrf and the like), nothing is coerced
    silently beyond the normalisation the field types below document."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)


class View(BaseModel):
    """Base for what services return; built from ORM objects or dicts."""

    model_config = ConfigDict(from_attributes=True)


# -- field types ---------------------------------------------------------------------------------------------
def _text(value):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PydanticCustomError("text_type", "not text")
    if CONTROL_CHARS.search(value):
        raise PydanticCustomError("control_chars", "control characters")
    return value.strip()


def Text(label, max_len, min_len=1):  # noqa: N802 - reads as a type in model declarations
    """Required text (min_len 1) or, with min_len=0 and a default, optional text."""
    return Annotated[str, BeforeValidator(_text), Field(title=label, max_length=max_len, min_length=min_len)]


def is_id(value, maximum=MAX_BIGINT):
    """Whether an id that arrived over the bus can be looked up: an int (not a bool) in the column's range."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= maximum


def _id(value, maximum):
    if value is None or value == "":
        raise PydanticCustomError("id_missing", "no id")
    if isinstance(value, bool):
        raise PydanticCustomError("id_type", "not an id")
    if isinstance(value, str):
        value = value.strip()
        if not DIGITS.match(value):
            raise PydanticCustomError("id_type", "not an id")
        value = int(value)
    if not isinstance(value, int):
        raise PydanticCustomError("id_type", "not an id")
    if not 1 <= value <= maximum:
        raise PydanticCustomError("id_range", "no such id")
    return value


def Id(label, maximum=MAX_BIGINT):  # noqa: N802
    return Annotated[int, BeforeValidator(lambda v: _id(v, maximum)), Field(title=label)]


def OptionalId(label, maximum=MAX_BIGINT):  # noqa: N802
    def check(value):
        return None if value in (None, "") else _id(value, maximum)

    return Annotated[int | None, BeforeValidator(check), Field(title=label)]


def normalize_phone(value):
    """What a person types → digits: full-width digits (NFKC), spaces, dashes, brackets and +86 are accepted."""
    text = unicodedata.normalize("NFKC", _text(value))
    text = re.sub(r"[\s\-()（）]", "", text)
    if not text:
        raise PydanticCustomError("missing", "empty")  # "请填写…", not a format complaint
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if not text.isascii() or not (MOBILE.match(text) or LANDLINE.match(text)):
        raise PydanticCustomError("phone", "not a phone number")
    return text


def Phone(label):  # noqa: N802
    return Annotated[str, BeforeValidator(normalize_phone), Field(title=label)]


def OptionalPhone(label):  # noqa: N802
    """A phone number or nothing ("")."""
    return Annotated[str, BeforeValidator(lambda v: "" if v in (None, "") else normalize_phone(v)), Field(title=label)]


def _past_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(_text(value))
        except ValueError:
            raise PydanticCustomError("date_format", "not a date") from None
    if parsed > today():
        raise PydanticCustomError("date_future", "in the future")
    return parsed


def PastDate(label):  # noqa: N802
    """An optional date, not after today (Beijing time)."""
    return Annotated[date | None, BeforeValidator(_past_date), Field(title=label)]


def Choice(label, *values):  # noqa: N802
    return Annotated[Literal[values], Field(title=label)]


def OptionalChoice(label, *values):  # noqa: N802
    return Annotated[Literal[values] | None, Field(title=label)]


def check_request_id(request_id):
    """Client-supplied ids that make a write idempotent (a double tap, a retried RPC)."""
    if not isinstance(request_id, str) or not REQUEST_ID.match(request_id):
        raise ValidationError("invalid_request_id", "请求编号无效（应为8至64位字母、数字、_或-）；在网页上请刷新后重试")
    return request_id


# -- errors in Chinese ---------------------------------------------------------------------------------------
MESSAGES = {
    "missing": "请填写{label}",
    "text_type": "{label}格式不正确",
    "string_type": "{label}格式不正确",
    "control_chars": "{label}含有无法识别的字符（如控制字符），请删除后重试",
    "id_missing": "请选择{label}",
    "id_type": "{label}格式不正确",
    "id_range": "{label}不存在",
    "int_type": "{label}应为整数",
    "int_parsing": "{label}应为整数",
    "bool_type": "{label}格式不正确",
    "literal_error": "请选择正确的{label}",
    "phone": "{label}应为11位手机号或带区号的固定电话（请使用数字0-9）",
    "date_format": "{label}格式不正确（应为 年-月-日）",
    "date_future": "{label}不能晚于今天",
    "duplicate_codes": "{label}的代码不能重复",
    "link_target": "链接到服务事项或政务信息时，请填写它的编号",
    "link_url": "外部链接必须以 https:// 开头",
    "window": "结束展示时间应晚于开始时间",
    "options_mismatch": "{label}：单选、多选题需要选项，其他类型不能有选项",
    "datetime_parsing": "{label}格式不正确",
    "datetime_type": "{label}格式不正确",
    "datetime_from_date_parsing": "{label}格式不正确",
    "string_pattern_mismatch": "{label}格式不正确",
    "model_type": "{label}格式不正确",
    "model_attributes_type": "{label}格式不正确",
    "list_type": "{label}格式不正确",
    "dict_type": "{label}格式不正确",
    "tuple_type": "{label}格式不正确",
    "date_parsing": "{label}格式不正确（应为 年-月-日）",
    "date_type": "{label}格式不正确（应为 年-月-日）",
    "greater_than_equal": "{label}不能小于{ge}",
    "less_than_equal": "{label}不能大于{le}",
    "periods": "{label}应为“开始-结束”，如 09:00-12:00，结束晚于开始",
    "periods_overlap": "{label}不能相互重叠",
    "days_ahead": "最远提前天数不能小于最早提前天数",
    "slot_too_long": "每个时段的分钟数超过了所有开放时段的长度",
    "keywords": "请填写1到10个关键词，每个不超过30个字，用逗号或换行分隔",
    "reply_bytes": "{label}不能超过2048字节（约680个汉字），这是微信被动回复的上限",
    "reply_missing": "请填写回复内容",
    "article_url": "图文链接必须以 https:// 开头",
    "menu_name_bytes": "{label}不能超过{limit}字节（一级菜单约5个汉字，子菜单约20个汉字）",
    "menu_key_bytes": "{label}不能超过128字节",
    "menu_url": "{label}必须以 https:// 或 http:// 开头，且不能有空格",
    "menu_url_bytes": "{label}不能超过256字节",
    "menu_appid": "{label}格式不正确（wx开头的18位）",
    "tag_reserved": "“未分组”“黑名单”“星标组”是微信保留的分组名",
    "openid": "{label}中有格式不正确的 openid",
    "scene": "{label}只能包含字母、数字、下划线和短横线（1至64个），且不能以 bind- 开头",
    "mass_filter": "按条件筛选时，请至少选择分组、性别或区域中的一项",
    "image_missing": "请选择回复的图片（在“素材管理”中上传）",
    "material_missing": "请选择要群发的素材（在“素材管理”中上传）",
    "article_missing": "请选择要群发的图文",
    "cover_missing": "请选择封面图片（在“素材管理”中上传图片）",
    "source_url_bytes": "{label}不能超过1024字节",
    "vote_max_choices": "最多可选的项数不能超过选项数",
    "vote_labels": "选项不能重复",
    "vote_closes_range": "{label}应在两年之内",
    "image_url": "{label}必须以 https:// 开头",
    "question_options": "单选、多选和排序题需要至少2个选项，其他题型不能有选项",
    "question_choices": "最少、最多选择的项数应在1到选项数之间，且最少不大于最多",
    "question_length": "最少字数不能大于最多字数",
    "question_range": "最小值不能大于最大值",
    "question_keys": "题目代码不能重复",
    "show_if_question": "显示条件只能关联在本题之前的单选题或多选题",
    "show_if_options": "显示条件中的选项不存在",
    "too_many_questions": "一份调研最多100道题",
}


def _message(error, label):
    kind, ctx = error["type"], error.get("ctx") or {}
    # length limits on text and on lists share pydantic's error types; lists say "items", text says "characters"
    unit = "项" if ctx.get("field_type") == "List" else "个字"
    if kind in ("too_short", "string_too_short"):
        if ctx.get("actual_length") == 0 or ctx.get("min_length") == 1:
            return f"请填写{label}" if unit == "个字" else f"请至少选择{ctx['min_length']}项{label}"
        return f"{label}至少需要{ctx['min_length']}{unit}"
    if kind in ("too_long", "string_too_long"):
        return f"{label}不能超过{ctx['max_length']}{unit}"
    template = MESSAGES.get(kind)
    if template is None:
        return f"{label}不正确"
    return template.format(label=label, **ctx)


def _field_label(model, loc):
    """The title of the field at `loc`, walking nested models and lists; falls back to the key."""
    label = str(loc[-1]) if loc else "内容"
    current = model
    for part in loc:
        if not isinstance(part, str) or current is None or part not in getattr(current, "model_fields", {}):
            continue
        info = current.model_fields[part]
        label = info.title or part
        current = _inner_model(info.annotation)
    return label


def _inner_model(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation) if get_origin(annotation) is not None else ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def validate(model: type[BaseModel], data: Any):
    """`model` from `data`, or ValidationError with {"fields": {"a.b": "中文原因"}}: every problem at once."""
    if not isinstance(data, dict):
        raise ValidationError("invalid_body", "提交的数据格式不正确")
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        fields = {}
        for error in exc.errors(include_url=False, include_input=False):
            # a check across fields names the field to show it at in its context ("field"), else it is the form's
            named = (error.get("ctx") or {}).get("field")
            loc = (*error["loc"], named) if named else error["loc"]  # a nested model's check: under its path
            key = ".".join(str(p) for p in loc) or "_"
            fields.setdefault(key, _message(error, _field_label(model, loc)))
        raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": fields}) from None
