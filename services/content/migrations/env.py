from libs.migrate import run_env
from services.content.models import Base

run_env(Base.metadata)
