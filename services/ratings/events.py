"""What this service announces and reads of others' events: nothing yet (its module issue adds them)."""

PUBLISHES = {}
CONSUMES = {}
