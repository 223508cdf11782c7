"""The gateway's door to the content service: the public catalogue."""

import base64

from services.gateway.core.cache import drop_cached_pages
from services.gateway.core.rpc import call


def departments():
    return call("content", "list_departments")


def department_names():
    return {d["id"]: d["name"] for d in departments()}


def department_detail(department_id):
    return call("content", "department_detail", department_id)


def windows():
    return call("content", "list_windows")


def window(window_id):
    return call("content", "get_window", window_id)


def service_types(window_id=None, standalone=False):
    return call("content", "list_service_types", window_id, standalone)


def news(limit=20, offset=0):
    return call("content", "list_news", limit, offset)


def news_item(news_id):
    return call("content", "get_news", news_id)


def _written(result):
    """The editor's next look at a public page shows the change at once; other writers' changes reach the cache
    through content_changed (core/cache.py)."""
    drop_cached_pages()
    return result


def update_department(department_id, data):
    return _written(call("content", "update_department", department_id, data))


def save_service_type(service_type_id, data):
    return _written(call("content", "save_service_type", service_type_id, data))


def save_news(news_id, data):
    return _written(call("content", "save_news", news_id, data))


def staff_news():
    return call("content", "staff_news")


def staff_news_item(news_id):
    return call("content", "staff_news_item", news_id)


def versions(entity_type, entity_id):
    return call("content", "versions", entity_type, entity_id)


def set_leader_photo(department_id, leader_name, image_bytes):
    return _written(
        call("content", "set_leader_photo", department_id, leader_name, base64.b64encode(image_bytes).decode())
    )


def save_window(window_id, data):
    return _written(call("content", "save_window", window_id, data))


def posters():
    return call("content", "list_posters")


def all_posters():
    return call("content", "all_posters")


def save_poster(poster_id, data, image_bytes=None):
    image = base64.b64encode(image_bytes).decode() if image_bytes else None
    return _written(call("content", "save_poster", poster_id, data, image))


def albums():
    return call("content", "list_albums")


def album(album_id):
    return call("content", "get_album", album_id)


def media(sha256):
    return call("content", "get_media", sha256)


def create_album(data):
    return _written(call("content", "create_album", data))


def add_photo(album_id, data, image_bytes):
    return _written(call("content", "add_photo", album_id, data, base64.b64encode(image_bytes).decode()))


def update_photo(photo_id, data):
    return _written(call("content", "update_photo", photo_id, data))


def remove_photo(photo_id):
    return _written(call("content", "remove_photo", photo_id))


def search(query):
    return call("content", "search", query)


def service_type(service_type_id):
    return call("content", "get_service_type", service_type_id)
