"""The gateway's door to the messaging service (the callback has its own pool: wechat/callback.py)."""

import base64

from services.gateway.core.rpc import call


def follows():
    """Whether the citizen of this H5 session follows the account (WeChat lets us notify only followers)."""
    return call("messaging", "follows")


def retry_failed_notifications():
    return call("messaging", "retry_failed_notifications")


def preview_reply(kind_label, number, reply):
    """{"channel": custom | template | none, "text"}: what the citizen will receive, as messaging will send it."""
    return call("messaging", "preview_reply", kind_label, number, reply)


def reply_rules():
    """{"rules": [...], "settings": {"follow_reply", "default_reply"}} (回复设置; permission wechat.replies)."""
    return call("messaging", "reply_rules")


def save_reply_rule(rule_id, data):
    return call("messaging", "save_reply_rule", rule_id, data)


def delete_reply_rule(rule_id):
    return call("messaging", "delete_reply_rule", rule_id)


def save_reply_settings(data):
    return call("messaging", "save_reply_settings", data)


def menu(tag_id=None):
    """{"draft", "published", "published_at", "unpublished_changes", "conditional", "actions", "types"}
    (自定义菜单): everyone's menu, or with tag_id that group's conditional menu."""
    return call("messaging", "menu", tag_id)


def save_menu(data, tag_id=None):
    return call("messaging", "save_menu", data, tag_id)


def publish_menu(tag_id=None):
    return call("messaging", "publish_menu", tag_id)


def withdraw_menu(tag_id=None):
    return call("messaging", "withdraw_menu", tag_id)


def inbox(which="unanswered", after=None):
    """{"conversations": [...], "next", "unanswered"}: citizens who wrote, newest first (permission wechat.inbox)."""
    return call("messaging", "inbox", which, after)


def conversation(openid):
    return call("messaging", "conversation", openid)


def answer_citizen(openid, data, request_id):
    return call("messaging", "answer_citizen", openid, data, request_id)


def failed_sends(offset=0):
    return call("messaging", "failed_sends", offset)


def resend(outbound_id):
    return call("messaging", "resend", outbound_id)


def my_messages():
    """我的留言 of the citizen of this H5 session."""
    return call("messaging", "my_messages")


def followers(query):
    """{"followers", "next", "count", "more_than"} (用户管理; permission wechat.followers)."""
    return call("messaging", "followers", query)


def follower_tags():
    return call("messaging", "follower_tags")


def save_follower_tag(tag_id, data):
    return call("messaging", "save_follower_tag", tag_id, data)


def delete_follower_tag(tag_id):
    return call("messaging", "delete_follower_tag", tag_id)


def tag_followers(tag_id, data, add=True):
    return call("messaging", "tag_followers", tag_id, data, add)


def blacklist_followers(data, on=True):
    return call("messaging", "blacklist_followers", data, on)


def set_follower_remark(openid, data):
    return call("messaging", "set_follower_remark", openid, data)


def follower_sync():
    return call("messaging", "follower_sync")


def start_follower_sync():
    return call("messaging", "start_follower_sync")


def stop_follower_sync():
    return call("messaging", "stop_follower_sync")


def my_profile():
    return call("messaging", "my_profile")


def save_my_profile(data):
    return call("messaging", "save_my_profile", data)


def qr_channels():
    """二维码 channels with their funnels (permission wechat.channels)."""
    return call("messaging", "qr_channels")


def qr_channel(channel_id):
    return call("messaging", "qr_channel", channel_id)


def create_qr_channel(data):
    return call("messaging", "create_qr_channel", data)


def mass_sends():
    """群发消息, newest first (permission wechat.mass)."""
    return call("messaging", "mass_sends")


def mass_send(send_id):
    """One send, with how many it will reach and who is left out, while it waits."""
    return call("messaging", "mass_send", send_id)


def save_mass_send(send_id, data, request_id=None):
    return call("messaging", "save_mass_send", send_id, data, request_id)


def preview_mass_send(send_id):
    """To the staff member's own bound WeChat (公众号助手)."""
    return call("messaging", "preview_mass_send", send_id)


def submit_mass_send(send_id):
    return call("messaging", "submit_mass_send", send_id)


def approve_mass_send(send_id):
    return call("messaging", "approve_mass_send", send_id)


def reject_mass_send(send_id, reason):
    return call("messaging", "reject_mass_send", send_id, reason)


def binding():
    """{"bound", "alias", "bound_at"}: whether the staff member's own WeChat is bound (公众号助手)."""
    return call("messaging", "binding")


def create_binding_code():
    """A one-time code to scan with the staff member's own WeChat: adds "url" (what it encodes) and its expiry."""
    return call("messaging", "create_binding_code")


def unbind():
    return call("messaging", "unbind")


def media_file(sha256):
    """A file a citizen sent ({"content_type", "data" base64}); permission wechat.inbox."""
    return call("messaging", "media_file", sha256)


def wechat_stats(days=30):
    """数据统计: {"days", "fetched", "wechat": {metric: [...]}, "labels", "sources", "ours": {...}}."""
    return call("messaging", "wechat_stats", days)


def pull_wechat_stats():
    return call("messaging", "pull_wechat_stats")


def pending_approvals():
    """{"mass", "articles"}: what waits for the staff member to approve."""
    return call("messaging", "pending_approvals")


def materials(kind=None, offset=0):
    """素材管理: {"materials": [...] newest first, "counts", "limits"} (permission wechat.materials)."""
    return call("messaging", "materials", kind, offset)


def ready_materials(kind):
    """[{"id", "title"}]: every material of a kind WeChat has (a form's choice)."""
    return call("messaging", "ready_materials", kind)


def material(material_id):
    return call("messaging", "material", material_id)


def upload_material(data, file_bytes, request_id=None):
    """{"kind", "title", "introduction"} and the file: checked against WeChat's limits, then given to WeChat."""
    return call("messaging", "upload_material", data, base64.b64encode(file_bytes or b"").decode(), request_id)


def retry_material(material_id):
    return call("messaging", "retry_material", material_id)


def delete_material(material_id):
    return call("messaging", "delete_material", material_id)


def material_file(material_id):
    """Our copy of a material ({"content_type", "data" base64})."""
    return call("messaging", "material_file", material_id)


def articles(offset=0):
    """图文, newest first: {"articles": 50 from offset, "total"}."""
    return call("messaging", "articles", offset)


def article_choices():
    """Every article a mass send may carry: [{"id", "title", "status_label"}]."""
    return call("messaging", "article_choices")


def article(article_id):
    return call("messaging", "article", article_id)


def save_article(article_id, data, request_id=None):
    return call("messaging", "save_article", article_id, data, request_id)


def delete_article(article_id):
    return call("messaging", "delete_article", article_id)


def preview_article(article_id):
    """To the staff member's own bound WeChat (公众号助手)."""
    return call("messaging", "preview_article", article_id)


def submit_article(article_id):
    return call("messaging", "submit_article", article_id)


def approve_article(article_id):
    """Approve and publish at WeChat (not by its author)."""
    return call("messaging", "approve_article", article_id)


def reject_article(article_id, reason):
    return call("messaging", "reject_article", article_id, reason)
