from libs.audit import audit_table
from libs.db import schema_base
from libs.events import outbox_table, processed_events_table

Base = schema_base("surveys")
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)
processed_events = processed_events_table(Base.metadata)
