"""Demo booking rules for the demo windows' bookable services and the desk's reply templates:
`python -m services.cases.demo`. Safe to run twice.

Runs after content's demo loader and before any service starts, so it finds the windows' ids by name in content's
tables; nothing else in cases reads another service's schema."""

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from libs.config import load_config
from libs.db import make_engine
from services.cases.appointment_schemas import BookingRuleIn
from services.cases.models import BookingRule, ReplyTemplate

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


def load(session):
    ids = dict(session.execute(text("SELECT name, id FROM content.windows")).all())
    for name, (counters, minutes) in RULES.items():
        if name not in ids:
            continue
        rule = BookingRuleIn(periods=HALL, slot_minutes=minutes, counters=counters, min_days_ahead=1, max_days_ahead=14)
        values = rule.model_dump(mode="json") | {"updated_at": datetime.now(UTC)}
        stmt = insert(BookingRule).values(window_id=ids[name], **values)
        session.execute(stmt.on_conflict_do_nothing(index_elements=["window_id"]))  # an edited rule stays edited
    if session.scalar(text("SELECT count(*) FROM cases.reply_templates")) == 0:
        now = datetime.now(UTC)
        for kind, title, body in TEMPLATES:
            session.add(ReplyTemplate(kind=kind, service_type_id=None, title=title, body=body, updated_at=now))
    session.commit()


if __name__ == "__main__":
    engine = make_engine(load_config()["DATABASE_URL"], peak=1)
    with Session(engine) as session:
        load(session)
    engine.dispose()
