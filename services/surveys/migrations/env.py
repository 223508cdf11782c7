from libs.migrate import run_env
from services.surveys.models import Base

run_env(Base.metadata)
