"""What content announces: nothing yet (content_changed arrives with content's own write paths)."""

PUBLISHES = {}
CONSUMES = {}
