"""Demo booking rules for the demo windows' bookable services, and the desk's reply templates:
`python -m services.cases.demo`, once the services answer (make up's banner and the test system run it then).

A client of the running system like any other: it asks content for the windows and has cases save the rules and
templates over RPC (audited as the demo loader). Safe to run twice: a window that has a rule keeps it, and templates
are added only to an empty set."""

from libs.auth import Actor
from libs.config import load_config
from libs.rpc_pool import RpcPool

LOADER = Actor.system("demo")
HALL = [["09:00", "12:00"], ["13:30", "17:00"]]
RULES = {
    # window: (counters, slot minutes)
    "社会保障窗口": (3, 30),
    "环境保护窗口": (1, 60),
    "市场准入窗口": (2, 30),
    "不动产登记窗口": (4, 30),
    "户籍与证件窗口": (3, 20),
    "医保窗口": (2, 30),
}
TEMPLATES = [
    # kind, title, body: the model answers the 受理中心 starts from
    (None, "已转办并督促", "您好，您反映的问题已转交相关部门办理，我们将督促其按期答复。感谢您对政府工作的支持！"),
    (
        "complaint",
        "已现场核查整改",
        "您好，经现场核查，您反映的情况属实，已责令相关单位限期整改，整改完成后将安排复查。",
    ),
    ("inquiry", "政策解答", "您好，关于您咨询的问题，相关政策规定如下：……如需进一步了解，可拨打12345热线。"),
    ("suggestion", "建议已采纳研究", "您好，感谢您的宝贵建议，已转交相关部门研究，在今后的工作中统筹考虑。"),
]


def load(rpc):
    windows = {w["name"]: w["id"] for w in rpc.call_as(LOADER, "content", "list_windows")}
    ruled = {r["window_id"] for r in rpc.call_as(LOADER, "cases", "booking_rules")}
    for name, (counters, minutes) in RULES.items():
        if name in windows and windows[name] not in ruled:  # an edited rule stays edited
            rule = {"periods": HALL, "slot_minutes": minutes, "counters": counters}
            rpc.call_as(LOADER, "cases", "save_booking_rule", windows[name], rule)
    if not rpc.call_as(LOADER, "cases", "reply_templates"):
        for kind, title, body in TEMPLATES:
            template = {"kind": kind, "title": title, "body": body}
            rpc.call_as(LOADER, "cases", "save_reply_template", None, template)


if __name__ == "__main__":
    pool = RpcPool({"AMQP_URI": load_config()["AMQP_URI"]}, size=1, timeout=30)
    try:
        load(pool)
    finally:
        pool.close()
