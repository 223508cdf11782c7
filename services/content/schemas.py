"""What crosses the bus for content (its published contract with the gateway and the other services)."""

from libs.schemas import View


class Department(View):
    id: int
    name: str
    remit: str
    phone: str
    address: str
    hours: str


def department_view(d):
    return Department.model_validate(d).model_dump(mode="json")
