from libs.migrate import run_env
from services.messaging.models import Base

run_env(Base.metadata)
