"""The gateway's door to the messaging service (the callback has its own pool: wechat/callback.py)."""

from services.gateway.core.rpc import call


def follows():
    """Whether the citizen of this H5 session follows the account (WeChat lets us notify only followers)."""
    return call("messaging", "follows")


def retry_failed_notifications():
    return call("messaging", "retry_failed_notifications")
