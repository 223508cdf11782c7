"""Demo departments (from the product brief): `python -m services.content.demo`. Safe to run twice."""

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from libs.config import load_config
from libs.db import make_engine
from services.content.models import Department

DEPARTMENTS = [
    (
        1,
        "市人力资源和社会保障局",
        "就业促进、社会保险、劳动关系与劳动仲裁",
        "0571-12333",
        "市民中心A座3楼",
        "工作日 9:00-17:00",
    ),
    (
        2,
        "市生态环境局",
        "环境污染防治、环境执法与投诉受理",
        "0571-12369",
        "市民中心B座5楼",
        "工作日 9:00-17:00",
    ),
    (
        3,
        "市市场监督管理局",
        "市场主体登记、食品药品安全、消费维权",
        "0571-12315",
        "市民中心C座2楼",
        "工作日 9:00-17:00",
    ),
    (
        4,
        "市住房和城乡建设局",
        "住房保障、物业管理、建筑市场监管",
        "0571-12329",
        "市民中心A座6楼",
        "工作日 9:00-17:00",
    ),
    (
        5,
        "市交通运输局",
        "道路运输、出租车与公交服务监管",
        "0571-12328",
        "市民中心D座1楼",
        "工作日 9:00-17:00",
    ),
]


def load(session):
    for i, (dep_id, name, remit, phone, address, hours) in enumerate(DEPARTMENTS):
        values = dict(id=dep_id, name=name, remit=remit, phone=phone, address=address, hours=hours, sort_order=i)
        session.execute(insert(Department).values(**values).on_conflict_do_nothing())
    session.commit()


if __name__ == "__main__":
    engine = make_engine(load_config()["DATABASE_URL"], peak=1)
    with Session(engine) as session:
        load(session)
    print(f"content: {len(DEPARTMENTS)} demo departments")
