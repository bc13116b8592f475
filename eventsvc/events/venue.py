"""The venue as one line, in the reader's language: the English name, room and address where given."""
from flask_babel import force_locale, get_locale, gettext as _


def venue_line(event, locale=None):
    """Thai: "ห้องวิภาวดี ชั้น 18 <building> <address>"; English: "Vibhavadi Room, floor 18, <building>, <address>".

    An English field left empty falls back to the Thai one, so English
    readers still learn where to go.
    """
    locale = str(locale or get_locale() or "th")
    english = locale == "en"
    name = (english and event.venue_name_en) or event.venue_name
    room = (english and event.venue_room_en) or event.venue_room
    address = (english and event.venue_address_en) or event.venue_address
    with force_locale(locale):
        floor = _("floor %(floor)s", floor=event.venue_floor) if event.venue_floor else ""
    if english:
        place = ", ".join(p for p in (room, floor) if p)
        return ", ".join(p for p in (place, name, address) if p)
    return " ".join(p for p in (room, floor, name, address) if p)
