"""content: the public catalogue (departments, windows, service types, news) and its editing; posters and albums
in later steps. Reads are public; writes need content.edit (editing.py) and announce content_changed."""

import base64

from nameko.timer import timer

from libs.auth import require
from libs.service import PublishesEvents, ServiceBase, rpc
from services.content import catalogue, editing, events, media
from services.content.models import audit_log, outbox

SCHEDULE_CHECK = 20  # seconds


def _image(image_base64):
    """Uploaded bytes cross the bus as base64 (JSON); anything else is no image (media.py says so)."""
    try:
        return base64.b64decode(image_base64 or "", validate=True)
    except (ValueError, TypeError):
        return b""


class ContentService(PublishesEvents, ServiceBase):
    name = "content"
    audit_log = audit_log
    outbox = outbox
    contract = events.PUBLISHES

    @rpc
    def list_departments(self):
        return catalogue.departments(self.db)

    @rpc
    def get_department(self, department_id):
        return catalogue.department(self.db, department_id)

    @rpc
    def list_officials(self):
        """Every department with its leaders (name, title), in the catalogue's order: what ratings lets citizens
        rate and comment on."""
        return catalogue.officials(self.db)

    @rpc
    def department_detail(self, department_id):
        """A department's page: its profile, leaders and the services it is responsible for."""
        return catalogue.department_detail(self.db, department_id)

    @rpc
    def list_windows(self):
        return catalogue.windows(self.db)

    @rpc
    def get_window(self, window_id):
        return catalogue.window(self.db, window_id)

    @rpc
    def list_service_types(self, window_id=None, standalone=False):
        return catalogue.service_types(self.db, window_id, bool(standalone))

    @rpc
    def get_service_type(self, service_type_id):
        return catalogue.service_type(self.db, service_type_id)

    @rpc
    def list_news(self, limit=20, offset=0):
        return catalogue.news(self.db, limit, offset)

    @rpc
    def get_news(self, news_id):
        return catalogue.news_item(self.db, news_id)

    @timer(interval=SCHEDULE_CHECK)
    def announce_schedule(self):
        """Scheduled news and posters reach the page caches within SCHEDULE_CHECK seconds of their time."""
        with self.unit_of_work() as uow:
            editing.announce_schedule(uow)

    @rpc
    def list_posters(self):
        """The posters showing now."""
        return catalogue.posters(self.db)

    @rpc
    def all_posters(self):
        self.actor_may_edit_everything()
        return catalogue.all_posters(self.db)

    @rpc
    def save_poster(self, poster_id, data, image_base64=None):
        image = _image(image_base64) if image_base64 else None
        with self.unit_of_work() as uow:
            return editing.save_poster(uow, poster_id, data, image)

    def actor_may_edit_everything(self):
        require(self.actor, "content.edit")

    @rpc
    def list_albums(self):
        return catalogue.albums(self.db)

    @rpc
    def get_album(self, album_id):
        return catalogue.album(self.db, album_id)

    @rpc
    def get_media(self, sha256):
        """An image's bytes (base64: what crosses the bus is JSON) and type; immutable, so callers cache it."""
        item = media.get(self.db, sha256)
        return {"content_type": item.content_type, "data": base64.b64encode(item.data).decode()}

    @rpc
    def search(self, query, limit=20):
        """公民查询: ranked hits over services, departments and windows."""
        return catalogue.find(self.db, query, limit)

    # -- editing (staff with content.edit) ------------------------------------------------------------------
    @rpc
    def update_department(self, department_id, data):
        with self.unit_of_work() as uow:
            return editing.update_department(uow, department_id, data)

    @rpc
    def set_leader_photo(self, department_id, leader_name, image_base64):
        with self.unit_of_work() as uow:
            return editing.set_leader_photo(uow, department_id, leader_name, _image(image_base64))

    @rpc
    def save_service_type(self, service_type_id, data):
        with self.unit_of_work() as uow:
            return editing.save_service_type(uow, service_type_id, data)

    @rpc
    def save_news(self, news_id, data):
        with self.unit_of_work() as uow:
            return editing.save_news(uow, news_id, data)

    @rpc
    def save_window(self, window_id, data):
        with self.unit_of_work() as uow:
            return editing.save_window(uow, window_id, data)

    @rpc
    def create_album(self, data):
        with self.unit_of_work() as uow:
            return editing.create_album(uow, data)

    @rpc
    def add_photo(self, album_id, data, image_base64):
        with self.unit_of_work() as uow:
            return editing.add_photo(uow, album_id, data, _image(image_base64))

    @rpc
    def update_photo(self, photo_id, data):
        with self.unit_of_work() as uow:
            return editing.update_photo(uow, photo_id, data)

    @rpc
    def remove_photo(self, photo_id):
        with self.unit_of_work() as uow:
            return editing.remove_photo(uow, photo_id)

    @rpc
    def staff_news(self):
        return editing.staff_news(self.db, self.actor)

    @rpc
    def staff_news_item(self, news_id):
        """A news item as its editors see it, drafts included (the preview)."""
        return editing.staff_news_item(self.db, self.actor, news_id)

    @rpc
    def versions(self, entity_type, entity_id):
        return editing.versions(self.db, self.actor, entity_type, entity_id)
