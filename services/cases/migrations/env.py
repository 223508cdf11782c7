from libs.migrate import run_env
from services.cases.models import Base

run_env(Base.metadata)
