"""A demo vote (微投票) and a demo survey (微调研), open for 30 days: `python -m services.surveys.demo`. Safe to run
twice: each is matched by its title."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from libs.config import load_config
from libs.db import make_engine
from services.surveys import schemas
from services.surveys.models import Survey, Vote, VoteOption

TITLE = "2026年度“最美社区”评选"
OPTIONS = ["东湖社区", "西溪社区", "南山社区", "北园社区", "滨江社区"]


SURVEY = {
    "title": "2026年政务服务满意度调查",
    "description": "为了把政务服务做得更好，请根据您最近一次办事的体验作答，约需2分钟。本调研匿名进行。",
    "sections": [
        {
            "title": "总体评价",
            "questions": [
                {
                    "key": "q1",
                    "type": "single",
                    "title": "您对最近一次办事的体验满意吗？",
                    "options": [{"label": "满意"}, {"label": "基本满意"}, {"label": "不满意"}],
                },
                {
                    "key": "q2",
                    "type": "multiple",
                    "title": "您不满意的地方是？",
                    "options": [
                        {"label": "等候时间长"},
                        {"label": "材料要求多"},
                        {"label": "工作人员态度"},
                        {"label": "跑了多次"},
                    ],
                    "max_choices": 3,
                    "show_if": {"question": "q1", "options": [3]},
                },
                {"key": "q3", "type": "scale", "title": "请为窗口服务打分", "min_label": "很差", "max_label": "很好"},
            ],
        },
        {
            "title": "您的建议",
            "questions": [
                {
                    "key": "q4",
                    "type": "ranking",
                    "title": "您最希望我们先改进哪些方面？",
                    "options": [{"label": "网上办理更多事项"}, {"label": "减少证明材料"}, {"label": "延长办公时间"}],
                },
                {"key": "q5", "type": "text", "title": "其他意见和建议", "required": False, "max_length": 500},
            ],
        },
    ],
    "anonymous": True,
    "results_public": True,
}


def load(session):
    load_survey(session)
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
        options=[VoteOption(position=i, label=label, image_url="") for i, label in enumerate(OPTIONS)],
    )
    session.add(vote)
    session.commit()


def load_survey(session):
    if session.scalar(select(Survey.id).where(Survey.title == SURVEY["title"])) is not None:
        return
    now = datetime.now(UTC)
    clean = schemas.SurveyIn.model_validate(SURVEY | {"closes_at": now + timedelta(days=30)})  # as staff would build it
    survey = Survey(
        title=clean.title,
        description=clean.description,
        sections=[section.model_dump(mode="json") for section in clean.sections],
        anonymous=True,
        status="published",
        closes_at=clean.closes_at,
        results_public=True,
        responses_count=0,
        created_by="demo",
        created_at=now,
        updated_at=now,
        published_at=now,
    )
    session.add(survey)
    session.commit()


if __name__ == "__main__":
    engine = make_engine(load_config()["DATABASE_URL"], peak=1)
    with Session(engine) as session:
        load(session)
