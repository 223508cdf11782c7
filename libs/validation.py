"""Small field checks shared by every service's schemas; each failure names the field and says why in Chinese."""

import re
from datetime import date

from libs.errors import ValidationError

PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


class Fields:
    """Collects every problem in one pass, so a form shows all its errors at once."""

    def __init__(self, data):
        if not isinstance(data, dict):
            raise ValidationError("invalid_body", "提交的数据格式不正确")
        self.data = data
        self.errors = {}
        self.clean = {}

    def text(self, name, label, max_len, min_len=0, required=True):
        value = self.data.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.errors[name] = f"{label}格式不正确"
            return
        value = value.strip()
        if not value:
            if required:
                self.errors[name] = f"请填写{label}"
            else:
                self.clean[name] = ""
            return
        if len(value) > max_len:
            self.errors[name] = f"{label}不能超过{max_len}个字"
        elif len(value) < min_len:
            self.errors[name] = f"{label}至少需要{min_len}个字"
        else:
            self.clean[name] = value

    def phone(self, name, label):
        self.text(name, label, 20)
        if name in self.clean and not PHONE.match(self.clean[name]):
            del self.clean[name]
            self.errors[name] = f"{label}应为11位手机号或带区号的固定电话"

    def choice(self, name, label, choices, required=True):
        value = self.data.get(name)
        if value in (None, "") and not required:
            self.clean[name] = None
        elif value not in choices:
            self.errors[name] = f"请选择正确的{label}"
        else:
            self.clean[name] = value

    def integer(self, name, label, required=False):
        value = self.data.get(name)
        if value in (None, ""):
            if required:
                self.errors[name] = f"请选择{label}"
            else:
                self.clean[name] = None
            return
        try:
            self.clean[name] = int(value)
        except (TypeError, ValueError):
            self.errors[name] = f"{label}格式不正确"

    def optional_date(self, name, label, not_after=None):
        value = self.data.get(name)
        if value in (None, ""):
            self.clean[name] = None
            return
        try:
            parsed = date.fromisoformat(str(value))
        except ValueError:
            self.errors[name] = f"{label}格式不正确（应为 年-月-日）"
            return
        if not_after and parsed > not_after:
            self.errors[name] = f"{label}不能晚于今天"
        else:
            self.clean[name] = parsed

    def result(self):
        if self.errors:
            raise ValidationError("invalid_fields", "请检查填写的内容", {"fields": self.errors})
        return self.clean
