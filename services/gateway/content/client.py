"""The gateway's door to the content service."""

from services.gateway.core.rpc import call


def departments():
    return call("content", "list_departments")


def department_names():
    return {d["id"]: d["name"] for d in departments()}
