from libs.migrate import run_env
from services.ratings.models import Base

run_env(Base.metadata)
