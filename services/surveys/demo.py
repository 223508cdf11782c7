"""A demo vote (微投票), open for 30 days: `python -m services.surveys.demo`. Safe to run twice: matched by title."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from libs.config import load_config
from libs.db import make_engine
from services.surveys.models import Vote, VoteOption

TITLE = "2026年度“最美社区”评选"
OPTIONS = ["东湖社区", "西溪社区", "南山社区", "北园社区", "滨江社区"]


def load(session):
    if session.scalar(select(Vote.id).where(Vote.title == TITLE)) is not None:
        return
    now = datetime.now(UTC)
    vote = Vote(
        title=TITLE,
        description="请为您心目中环境最美、服务最好的社区投上一票。每人每天可投一次，最多选择2个社区。",
        max_choices=2,
        period="daily",
        results="live",
        status="published",
        closes_at=now + timedelta(days=30),
        created_by="demo",
        created_at=now,
        updated_at=now,
        published_at=now,
        ballots_count=0,
        options=[VoteOption(position=i, label=label, image_url="", votes_count=0) for i, label in enumerate(OPTIONS)],
    )
    session.add(vote)
    session.commit()


if __name__ == "__main__":
    engine = make_engine(load_config()["DATABASE_URL"], peak=1)
    with Session(engine) as session:
        load(session)
