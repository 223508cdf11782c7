"""Demo 市民印象 and 领导点评 for `make up`: ratings of content's demo departments over the last months from citizens
who followed long ago, and one moderated comment with its department's answer. `python -m services.ratings.demo`;
safe to run twice (the demo citizens' rows are matched by their openids)."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from libs.config import load_config
from libs.db import make_engine
from services.ratings import impressions
from services.ratings.models import Follower, ImpressionTag, OfficialComment, Rating

PREFIX = "o_demo_rater_"
# (department id, how many ratings, the stars they lean to)
# 市生态环境局's 局长 as content's demo lists him (ratings reads content only over the bus, when it runs)
LEADER = ("张卫东", "局长")
PLAN = [(1, 40, 4.4), (2, 25, 4.0), (3, 6, 4.8), (4, 30, 3.2), (5, 12, 3.9)]


def load(session):
    if session.scalar(select(Rating.id).where(Rating.openid.like(f"{PREFIX}%")).limit(1)) is not None:
        return
    chance = random.Random(7)  # the same demo every time
    tags = session.execute(select(ImpressionTag.id, ImpressionTag.tone)).all()
    good = [t for t, tone in tags if tone == "positive"]
    bad = [t for t, tone in tags if tone == "negative"]
    now = datetime.now(UTC)
    for department_id, count, lean in PLAN:
        for i in range(count):
            openid = f"{PREFIX}{department_id}_{i}"
            session.merge(Follower(openid=openid, followed_at=now - timedelta(days=200)))
            stars = max(1, min(5, round(chance.gauss(lean, 0.8))))
            at = now - timedelta(days=chance.randrange(0, 150))
            picked = chance.sample(good if stars >= 4 else bad, k=chance.randint(1, 2))
            session.add(
                Rating(
                    department_id=department_id,
                    openid=openid,
                    month=impressions.month_of(at),
                    stars=stars,
                    tag_ids=picked,
                    comment="",
                    comment_status="none",
                    status="counted",
                    from_new_follower=False,
                    created_at=at,
                    updated_at=at,
                )
            )
    session.add(
        OfficialComment(
            department_id=2,
            official_name=LEADER[0],
            official_title=LEADER[1],
            openid=f"{PREFIX}comment",
            body="张局长上个月带队检查了我们小区旁的排污口，问题一周就解决了，很负责。",
            shown_body="",
            flagged_words=[],
            status="published",
            reason="",
            reports_count=0,
            moderated_by="demo",
            moderated_at=now,
            response="感谢您的认可！我们将继续加强排污口巡查，欢迎随时通过12369反映问题。",
            responded_by="demo",
            responded_at=now,
            created_at=now - timedelta(days=3),
        )
    )
    session.commit()


if __name__ == "__main__":
    engine = make_engine(load_config()["DATABASE_URL"], peak=1)
    with Session(engine) as session:
        load(session)
