"""libs.schemas: field types normalise what people type, refuse the rest, and say why in Chinese."""

from datetime import date, timedelta

import pytest
from pydantic import Field

from libs.errors import ValidationError
from libs.schemas import MAX_INT, Choice, Id, Input, OptionalId, PastDate, Phone, Text, check_request_id, validate


class Form(Input):
    kind: Choice("类型", "a", "b")
    title: Text("标题", 10, min_len=2)
    note: Text("备注", 5, min_len=0) = ""
    phone: Phone("电话")
    ref: Id("编号", MAX_INT)
    dept: OptionalId("部门", MAX_INT) = None
    day: PastDate("日期") = None
    tags: list[Text("标签", 4)] = Field(default_factory=list, max_length=2, title="标签")


GOOD = {"kind": "a", "title": "  你好世界  ", "phone": "13800138000", "ref": "7"}


def errors(**over):
    with pytest.raises(ValidationError) as err:
        validate(Form, {**GOOD, **over})
    assert err.value.code == "invalid_fields"
    return err.value.details["fields"]


def test_good_input_is_normalised():
    form = validate(Form, {**GOOD, "dept": "", "day": "", "tags": ["甲"]})
    assert (form.title, form.ref, form.dept, form.day, form.tags) == ("你好世界", 7, None, None, ["甲"])


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("１３８００１３８０００", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("(0571) 8765-4321", "057187654321"),
    ],
)
def test_phone_numbers_as_people_type_them(typed, stored):
    assert validate(Form, {**GOOD, "phone": typed}).phone == stored


@pytest.mark.parametrize(
    "typed", ["١٣٨٠٠١٣٨٠٠٠", "۱۳۸۰۰۱۳۸۰۰۰", "12345", "2380013800", "1380013800x", "13800138000\x00"]
)
def test_other_phone_numbers_are_refused_with_the_reason(typed):
    assert "11位手机号" in errors(phone=typed)["phone"] or "无法识别" in errors(phone=typed)["phone"]


@pytest.mark.parametrize("value", [True, False, 1.0, 1e400, float("nan"), -1, 0, 2**31, 2**63, "1e3", "١", " ", [], {}])
def test_ids_are_whole_numbers_in_the_column_range(value):
    assert "编号" in errors(ref=value)["ref"]


def test_every_problem_is_reported_at_once_in_chinese():
    found = errors(
        kind="c",
        title="",
        note="太长了太长了",
        ref="",
        day=str(date.today() + timedelta(days=2)),
        tags=["", "甲", "乙"],
    )
    assert found == {
        "kind": "请选择正确的类型",
        "title": "请填写标题",
        "note": "备注不能超过5个字",
        "ref": "请选择编号",
        "day": "日期不能晚于今天",
        "tags": "标签不能超过2项",
    }


@pytest.mark.parametrize("text", ["a\x00b", "\x1b[0m", "\x08\x7f", "x\x0bx"])
def test_control_characters_are_refused(text):
    assert "无法识别的字符" in errors(title=text)["title"]


def test_newlines_and_tabs_are_text():
    assert validate(Form, {**GOOD, "title": "第一行\n\t第二行"}).title == "第一行\n\t第二行"


@pytest.mark.parametrize("data", [None, [], "text", 42])
def test_a_body_that_is_not_an_object(data):
    with pytest.raises(ValidationError) as err:
        validate(Form, data)
    assert err.value.code == "invalid_body"


@pytest.mark.parametrize("request_id", [None, 1, "short", "x" * 65, "has space1", "ok\x00okokok"])
def test_request_ids(request_id):
    with pytest.raises(ValidationError):
        check_request_id(request_id)
    assert check_request_id("a" * 32) == "a" * 32
