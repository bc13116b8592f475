"""Demo data made from the seed announcements (../shared/seeds), moved into the future; and one hearing that took
place ten days before the demo is loaded, with everything that follows a hearing (PAST_HEARING).

Idempotent: an event whose slug exists is left as it is.
"""
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from io import BytesIO

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import FileStorage

from . import clock
from .accounts.models import Role, User
from .accounts.services import create_user
from .attendees import services as attendee_services
from .audit.services import REGISTRANT
from .checkin import services as checkin_services
from .comments import services as comment_services
from .comments.models import Commenter
from .events import services as event_services
from .events.models import Event
from .extensions import db
from .invitations import services as invitation_services
from .invitations.models import Invitation
from .livestream import services as livestream_services
from .messaging import services as messaging_services
from .qna import services as qna_services
from .questions import services as question_services
from .registration import services as registration_services
from .registration.models import Registration, RegistrationStatus
from .reports import services as report_services
from .surveys import services as survey_services
from .teams import services as team_services
from .teams.models import EventMember, TeamRole
from .tickets.calendar import personal_url
from .timefmt import BANGKOK, to_local
from .tokens import digest, new_seed, token_for

DGA = "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)"
DGA_EN = "Digital Government Development Agency (Public Organization)"
EGA = "สำนักงานรัฐบาลอิเล็กทรอนิกส์ (องค์การมหาชน)"


def at(day, clock):
    """A Bangkok wall-clock time as aware UTC."""
    hour, minute = map(int, clock.split(":"))
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=BANGKOK).astimezone(timezone.utc)


HEARING = {
    "slug": "digital-government-plan-2566-2570-hearing",
    "kind": "public_hearing",
    "format": "online",
    "registration_mode": "open",
    "title_th": "การประชุมประชาพิจารณ์เพื่อรับฟังความคิดเห็น (ร่าง) แผนพัฒนารัฐบาลดิจิทัลของประเทศไทย พ.ศ. 2566 – 2570",
    "title_en": "Public hearing on the draft Digital Government Development Plan of Thailand 2023–2027",
    "organizer_name_th": DGA,
    "organizer_name_en": DGA_EN,
    "description_th": (
        "ด้วยพระราชบัญญัติการบริหารงานและการให้บริการภาครัฐผ่านระบบดิจิทัล พ.ศ. ๒๕๖๒ มาตรา ๕ กำหนดให้มีการจัดทำแผนพัฒนารัฐบาลดิจิทัล"
        "เพื่อกำหนดกรอบและทิศทางการบริหารงานภาครัฐ และการจัดทำบริการสาธารณะในรูปแบบของเทคโนโลยีดิจิทัลเพื่อการพัฒนาประเทศ "
        "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน) หรือ สพร. จึงได้ดำเนินการจัดทำ (ร่าง) แผนพัฒนารัฐบาลดิจิทัลของประเทศไทย พ.ศ. ๒๕๖๖ – ๒๕๗๐\n\n"
        "บัดนี้ การดำเนินการจัดทำร่างแผนดังกล่าวได้แล้วเสร็จเป็นที่เรียบร้อยแล้ว สพร. จึงเปิดรับฟังความคิดเห็นผ่านการประชุมประชาพิจารณ์"
        "เพื่อรับฟังความคิดเห็น (ร่าง) แผนพัฒนารัฐบาลดิจิทัล ระยะ ๕ ปี (พ.ศ. ๒๕๖๖ – ๒๕๗๐) เวลา ๐๙.๓๐ – ๑๖.๐๐ น. ในรูปแบบออนไลน์ "
        "จากทุกภาคส่วนทั้งภาครัฐ เอกชน และประชาชนทั่วไป\n\n"
        "การประชุมประชาพิจารณ์มีวัตถุประสงค์ เพื่อการปรับปรุง (ร่าง) แผนพัฒนารัฐบาลดิจิทัล ระยะ ๕ ปี (พ.ศ. ๒๕๖๖ – ๒๕๗๐) "
        "ให้มีความสมบูรณ์ครบถ้วน จากการเก็บรวบรวมข้อมูล ข้อคิดเห็น ข้อเสนอแนะ ของผู้มีส่วนได้ส่วนเสียที่เกี่ยวข้องในวงกว้าง "
        "เพื่อที่จะใช้ข้อมูลดังกล่าวมาประกอบการจัดทำแผนพัฒนารัฐบาลดิจิทัลฯ ให้สามารถกำหนดทิศทางการขับเคลื่อนประเทศได้อย่างเหมาะสมและนำไปปฏิบัติได้"
    ),
    "description_en": (
        "The Digital Government Administration and Services Act B.E. 2562 (2019), section 5, requires a Digital Government "
        "Development Plan. The Digital Government Development Agency (DGA) has drafted the plan for 2023–2027 and holds this "
        "online public hearing, 09:30–16:00, to gather the views of government, business and the general public before the "
        "plan is finalised."
    ),
    "contact_name": "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)",
    "contact_phone": "02 612 6000",
    "contact_email": "contact@dga.or.th",
    "capacity": None,
    "waitlist": False,
    "status": "published",
    "view_count": 4940,
    "sessions": [
        {"name_th": "ช่วงเช้า", "name_en": "Morning", "starts_at": at("2027-02-25", "09:30"), "ends_at": at("2027-02-25", "12:00"),
         "stream_url": "https://www.youtube.com/watch?v=dga-hearing-morning", "stream_visibility": "public"},
        {"name_th": "ช่วงบ่าย", "name_en": "Afternoon", "starts_at": at("2027-02-25", "13:00"), "ends_at": at("2027-02-25", "16:00"),
         "stream_url": "https://www.youtube.com/watch?v=dga-hearing-afternoon", "stream_visibility": "public"},
    ],
    "documents": [
        ("สรุปสาระสำคัญ (ร่าง) แผนพัฒนารัฐบาลดิจิทัลของประเทศไทย พ.ศ. 2566 – 2570", "สรุปร่างแผนพัฒนารัฐบาลดิจิทัล-2566-2570.txt",
         "4 ยุทธศาสตร์สำคัญของแผนพัฒนารัฐบาลดิจิทัลฯ ฉบับนี้ คือ\n"
         "- ยุทธศาสตร์ที่ 1 : ยกระดับการเปลี่ยนผ่านดิจิทัลภาครัฐ เพื่อการบริหารงานที่ยืดหยุ่น คล่องตัว และขยายสู่หน่วยงานภาครัฐระดับท้องถิ่น\n"
         "- ยุทธศาสตร์ที่ 2 : พัฒนาบริการที่สะดวกและเข้าถึงง่าย (One-Stop Service)\n"
         "- ยุทธศาสตร์ที่ 3 : สร้างมูลค่าเพิ่มและอำนวยความสะดวกแก่ภาคธุรกิจ\n"
         "- ยุทธศาสตร์ที่ 4 : ส่งเสริมการมีส่วนร่วมของประชาชน และเปิดเผยข้อมูลเปิดภาครัฐ\n", 336),
    ],
}

WORKSHOP = {
    "slug": "provincial-egov-assessment-workshop",
    "kind": "workshop",
    "format": "onsite",
    "registration_mode": "invite_only",
    "title_th": "การประชุมเชิงปฏิบัติการเพื่อรับฟังความคิดเห็นการพัฒนากรอบการประเมินการพัฒนารัฐบาลอิเล็กทรอนิกส์หน่วยงานภาครัฐระดับจังหวัด",
    "title_en": "Workshop on the assessment framework for e-government in provincial agencies",
    "organizer_name_th": EGA,
    "organizer_name_en": "Electronic Government Agency (Public Organization)",
    "description_th": (
        "สรอ. ได้จัดทำโครงการสำรวจระดับความพร้อมการพัฒนารัฐบาลอิเล็กทรอนิกส์หน่วยงานภาครัฐระดับจังหวัด "
        "โดยมีวัตถุประสงค์เพื่อพัฒนากรอบการวัดระดับความพร้อมของรัฐบาลอิเล็กทรอนิกส์ของหน่วยงานภาครัฐระดับจังหวัด\n\n"
        "สรอ. ตระหนักว่า การได้รับความคิดเห็นจากผู้มีความรู้และความเชี่ยวชาญเกี่ยวกับการพัฒนารัฐบาลอิเล็กทรอนิกส์ "
        "เป็นความสำคัญอย่างยิ่งต่อการพัฒนากรอบการประเมินและตัวชี้วัด จึงได้จัดประชุมเชิงปฏิบัติการ "
        "โดยขอเรียนเชิญเฉพาะท่านที่ได้รับหนังสือเชิญจาก สรอ. เข้าร่วมเพื่อให้ความคิดเห็นอันเป็นประโยชน์"
    ),
    "description_en": "A workshop for invited experts on the framework and indicators used to survey the e-government readiness of provincial agencies.",
    "venue_name": EGA,
    "venue_room": "ห้องวิภาวดี",
    "venue_floor": "18",
    "venue_address": "ถนนรางน้ำ กรุงเทพฯ",
    "venue_name_en": "Electronic Government Agency (Public Organization)",
    "venue_room_en": "Vibhavadi Room",
    "venue_address_en": "Rang Nam Road, Bangkok",
    "contact_name": "นายธรรณพ ศิริธรรมวิไล (ส่วนนโยบายรัฐบาลอิเล็กทรอนิกส์)",
    "contact_phone": "08 1845 1459",
    "contact_email": "thannop.sirithamwilai@ega.or.th",
    "capacity": 40,
    "waitlist": True,
    "status": "published",
    "view_count": 22,
    "sessions": [
        {"name_th": "ช่วงเช้า", "name_en": "Morning", "starts_at": at("2027-05-24", "09:00"), "ends_at": at("2027-05-24", "12:00")},
    ],
    "documents": [],
}

FOCUS_AREAS = [
    ("ด้านการศึกษา", "Education"),
    ("ด้านสุขภาพและการแพทย์", "Health and medicine"),
    ("ด้านการเกษตร", "Agriculture"),
    ("ด้านความเหลื่อมล้ำทางสิทธิสวัสดิการประชาชน", "Inequality in welfare rights"),
    ("ด้านการมีส่วนร่วมและตรวจสอบได้โดยประชาชน", "Participation and public accountability"),
    ("ด้านการส่งเสริมวิสาหกิจขนาดกลางและขนาดย่อม (SME)", "Small and medium enterprises (SME)"),
]

FOCUS_GROUP = {
    "slug": "digital-government-plan-focus-groups",
    "kind": "focus_group",
    "format": "hybrid",
    "registration_mode": "open",
    "title_th": "การจัดประชุมระดมสมอง (Focus Group) ประกอบการจัดทำ (ร่าง) แผนพัฒนารัฐบาลดิจิทัลของประเทศไทย พ.ศ. 2566 - 2570",
    "title_en": "Focus groups for the draft Digital Government Development Plan of Thailand 2023–2027",
    "organizer_name_th": DGA,
    "organizer_name_en": DGA_EN,
    "description_th": (
        "(ร่าง) แผนพัฒนารัฐบาลดิจิทัลของประเทศไทย พ.ศ. 2566 – 2570 ครอบคลุมขีดความสามารถของรัฐบาลดิจิทัลใน 6 ด้านสำคัญ (Focus areas) ได้แก่\n\n"
        + "".join(f"- {th}\n" for th, _en in FOCUS_AREAS) + "\n"
        "การประชุมระดมสมองจะเริ่มต้นด้วยการเสวนาโดยผู้แทนจากหลายภาคส่วน อาทิ ผู้เชี่ยวชาญ ผู้แทนภาครัฐ รวมถึงผู้มีประสบการณ์ในฐานะผู้ใช้งาน "
        "จากนั้น จะเป็นการนำเสนอ (ร่าง) ผลการวิเคราะห์ขีดความสามารถเชิงดิจิทัลของประเทศไทย กรอบของขีดความสามารถเชิงดิจิทัล (Maturity Model) "
        "รวมถึงเป้าหมายความสามารถเชิงดิจิทัลที่เหมาะสมในปี พ.ศ. 2570 เพื่อให้ที่ประชุมร่วมแสดงความคิดเห็น\n\n"
        "กรุณาเลือกกลุ่มย่อยหนึ่งด้านที่ท่านจะเข้าร่วม"
    ),
    "description_en": (
        "Six topic groups, one per focus area of the draft plan. Each opens with a panel of experts, officials and users, "
        "then discusses the draft digital capability analysis, the maturity model and the 2027 targets. Please choose one group."
    ),
    "venue_name": DGA,
    "venue_address": "อาคารบางกอกไทยทาวเวอร์ ถนนรางน้ำ แขวงถนนพญาไท เขตราชเทวี กรุงเทพฯ",
    "venue_name_en": DGA_EN,
    "venue_address_en": "Bangkok Thai Tower, Rang Nam Road, Thanon Phaya Thai, Ratchathewi, Bangkok",
    "contact_name": DGA,
    "contact_phone": "02 612 6000",
    "contact_email": "contact@dga.or.th",
    "capacity": 180,
    "waitlist": True,
    "status": "published",
    "view_count": 4181,
    "sessions": [
        {"name_th": f"กลุ่มที่ {i}: {th}", "name_en": f"Group {i}: {en}", "capacity": 30,
         "starts_at": at("2027-01-28", "13:30"), "ends_at": at("2027-01-28", "16:30"),
         "stream_url": "", "stream_visibility": "registrants"}
        for i, (th, en) in enumerate(FOCUS_AREAS, start=1)
    ],
    "documents": [],
}

DEMO_EVENTS = (HEARING, WORKSHOP, FOCUS_GROUP)

# The focus groups ask one question of their own (not required: the form stays as the seed's).
FOCUS_GROUP_QUESTION = {
    "kind": "one_choice", "required": False,
    "label_th": "ท่านใช้บริการภาครัฐผ่านช่องทางดิจิทัลบ่อยเพียงใด",
    "label_en": "How often do you use government services online?",
    "choices": [{"th": "ทุกสัปดาห์", "en": "Every week"}, {"th": "ทุกเดือน", "en": "Every month"},
                {"th": "นาน ๆ ครั้ง", "en": "Now and then"}, {"th": "ไม่เคยใช้", "en": "Never"}],
}

# What the workshop's organizers wrote to everyone registered (Messages, "Write to registrants").
WORKSHOP_MESSAGE = {
    "subject": "เอกสารประกอบการประชุมเชิงปฏิบัติการ",
    "body": "ขอเรียนเชิญผู้เข้าร่วมประชุมศึกษาเอกสารประกอบการประชุมที่หน้ากิจกรรมล่วงหน้า "
            "และโปรดนำบัตรลงทะเบียน (QR) มาแสดงที่จุดลงทะเบียนในวันงาน",
    "filter": {"status": "confirmed"},
}

# The workshop's invitation letters went to these people (seed 003: "only those who received an invitation").
WORKSHOP_INVITEES = [
    {"email": "kanda.m@chiangmai.go.th", "name": "นางสาวกานดา มีสุข", "organization": "สำนักงานจังหวัดเชียงใหม่",
     "position": "นักวิเคราะห์นโยบายและแผนชำนาญการ", "language": "th"},
    {"email": "wichai.t@khonkaen.go.th", "name": "นายวิชัย ทองดี", "organization": "สำนักงานจังหวัดขอนแก่น",
     "position": "นักวิชาการคอมพิวเตอร์", "language": "th"},
    {"email": "pranee.s@songkhla.go.th", "name": "ผศ.ดร.ปราณี ศรีสุข", "organization": "มหาวิทยาลัยสงขลานครินทร์",
     "position": "อาจารย์", "language": "th"},
    {"email": "j.miller@undp.org", "name": "Ms. Jane Miller", "organization": "UNDP Thailand",
     "position": "Governance Specialist", "language": "en"},
]

# Two of them accept (the first invitee's link is left for you to try): one agrees to be on the
# published list of participants, one does not, and the list shows only the first.
WORKSHOP_ACCEPTED = {
    "wichai.t@khonkaen.go.th": {"title_prefix": "นาย", "first_name": "วิชัย", "last_name": "ทองดี",
                                "sector": "government", "consent_listing": False},
    "pranee.s@songkhla.go.th": {"title_prefix": "ผศ.ดร.", "first_name": "ปราณี", "last_name": "ศรีสุข",
                                "sector": "academic", "consent_listing": True},
}


def _accept_workshop_invitations(event, invited):
    by_email = {invitee["email"]: invitee for invitee in WORKSHOP_INVITEES}
    for person in invited:
        if person.email not in WORKSHOP_ACCEPTED:
            continue
        invitee = by_email[person.email]
        registration_services.register(event, {
            **WORKSHOP_ACCEPTED[person.email], "email": None, "organization": invitee["organization"],
            "position": invitee["position"], "phone": "", "attendance": "onsite", "consent_processing": True,
        }, invitation=invitation_services.find_usable(event, person.token))
    attendee_services.set_list_published(event, True)


DEMO_QUESTIONS = [
    ("ตัวชี้วัดของการประเมินจะปรับให้เหมาะกับจังหวัดขนาดเล็กหรือไม่", "pin"),
    ("จังหวัดจะได้รับผลการประเมินเมื่อใด และจะนำไปใช้จัดสรรงบประมาณหรือไม่", "answer"),
    ("ขอให้เผยแพร่เอกสารประกอบการประชุมล่วงหน้าด้วย", "approve"),
    ("มีแผนอบรมเจ้าหน้าที่ด้านข้อมูลเปิดภาครัฐหรือไม่", None),
]


def _demo_session_questions(event, organizer):
    """Questions of the workshop's first session, asked by its participants while it was on, moderated."""

    session = min(event.sessions, key=lambda s: s.starts_at)
    people = [r for r in db.session.scalars(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed)
        .order_by(Registration.id)) if session in r.sessions]
    if not people:
        return
    for n, (body, action) in enumerate(DEMO_QUESTIONS):
        person = people[n % len(people)]
        name = person.full_name if n % 2 == 0 else ""
        question = qna_services.ask(person, session, body, name, now=session.starts_at)
        if action == "answer":
            qna_services.moderate(question, "approve", actor=organizer)
        if action is not None:
            qna_services.moderate(question, action, actor=organizer)
    yield (f"event {event.slug}: {len(DEMO_QUESTIONS)} questions in its first session "
           f"(/organizer/events/{event.slug}/sessions/{session.id}/questions)")


def _account(email, role, password, name):
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = create_user(email, password, role, name=name)
        return user, True
    return user, False


HEARING_SURVEY = {
    "standard": ["content", "speakers", "stream", "suggestions"], "target_percent": 85,
    "custom": [{"kind": "scale", "label_th": "ท่านเข้าใจสาระสำคัญของ (ร่าง) แผนพัฒนารัฐบาลดิจิทัลมากขึ้น",
                "label_en": "I understand the draft plan's main points better"},
               {"kind": "text", "label_th": "ยุทธศาสตร์ใดที่ท่านเห็นว่าควรปรับปรุงมากที่สุด และเพราะเหตุใด",
                "label_en": "Which strategy should be improved most, and why?"}],
}


def _demo_survey(event, organizer):
    """The hearing's satisfaction survey: the standard questions for an online event and two of the agency's own;
    it is mailed after each session by `flask --app wsgi surveys send`."""

    survey_services.save_survey(event, HEARING_SURVEY, actor=organizer)
    yield f"event {event.slug}: a satisfaction survey (mailed after each session by `flask --app wsgi surveys send`)"


HEARING_SECTIONS = ("ยุทธศาสตร์ที่ 1 ปรับเปลี่ยนบริการภาครัฐสู่ดิจิทัล", "ยุทธศาสตร์ที่ 2 เชื่อมโยงข้อมูลภาครัฐ",
                    "ยุทธศาสตร์ที่ 3 ส่งเสริมการมีส่วนร่วมของประชาชน", "ยุทธศาสตร์ที่ 4 พัฒนากำลังคนดิจิทัล")
HEARING_COMMENTS = (
    # (address, name shown or "", sector, section index or None, text, reply)
    ("kanya.demo@example.org", "กัญญา ศรีสุข", "academic", 0,
     "ควรกำหนดตัวชี้วัดการใช้บริการดิจิทัลของผู้สูงอายุแยกต่างหาก เพื่อไม่ให้กลุ่มนี้ถูกทิ้งไว้ข้างหลัง",
     "หน่วยงานจะเพิ่มตัวชี้วัดการเข้าถึงบริการของผู้สูงอายุไว้ในยุทธศาสตร์ที่ 1"),
    ("anon.demo@example.org", "", "public", 2,
     "อยากให้มีช่องทางติดตามว่าความคิดเห็นของประชาชนถูกนำไปใช้อย่างไร", ""),
    ("pending.demo@example.org", "", "private", None, "ขอให้เปิดเผยงบประมาณของแต่ละโครงการในแผน", None),
)


def _hearing_comments(event, organizer):
    """The hearing's draft split into its four strategies, and comments from people who confirmed their address."""

    document = event.attachments[0] if event.attachments else None
    sections = comment_services.set_sections(document, "\n".join(HEARING_SECTIONS), actor=organizer) if document else []
    comment_services.update_settings(event, {"access": "email"}, actor=organizer)
    for email, name, sector, section, text, reply in HEARING_COMMENTS:
        # Made as the link's confirmation leaves them (no mail in the demo's outbox).
        seed = new_seed()
        commenter = Commenter(event_id=event.id, email=email, email_normalized=email, seed=seed,
                              token_hash=digest(token_for(comment_services.TOKEN_PURPOSE, seed)),
                              confirmed_at=clock.now())
        db.session.add(commenter)
        db.session.flush()
        data = {"body": text, "show_name": bool(name), "name": name, "sector": sector}
        if section is not None and sections:
            data.update(document_id=document.id, section=sections[section].id)
        comment = comment_services.post_comment(comment_services.Author(commenter=commenter), data, actor=None).comment
        if reply is not None:
            comment_services.publish(comment, actor=organizer)
            if reply:
                comment_services.reply(comment, reply, actor=organizer)
    yield (f"event {event.slug}: {len(HEARING_COMMENTS)} comments on the draft (open to anyone who confirms "
           f"their e-mail), /events/{event.slug}/comments")


def _report_demo(slug):
    """The hearing's summary report, made from whatever the demo holds; its deadline is on the dashboard."""

    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        return
    due = report_services.deadline(event)
    yield (f"event {slug}: the summary report at /organizer/events/{slug}/report (PDF, DOCX), "
           f"due {to_local(due).date().isoformat() if due else 'once published'}")


# ---- a hearing that took place: what comes after it ------------------------------------------
#
# The three events above are in 2027; this one ended about ten days before the demo is loaded, so that the
# demo shows the hearing's whole loop: comments on the draft with the agency's replies, check-ins at the door
# and online joins, questions during the sessions, the satisfaction survey, certificates of participation
# and the published summary. Its dates are counted from the clock when the demo is loaded; everything else is
# fixed. Every row is written through the services, with the clock set to the moment it happened.

PAST_DAYS_AGO = 10

PAST_HEARING = {
    "slug": "open-government-data-standard-hearing",
    "kind": "public_hearing",
    "format": "hybrid",
    "registration_mode": "open",
    "title_th": "การประชุมรับฟังความคิดเห็นต่อ (ร่าง) มาตรฐานรัฐบาลดิจิทัล ว่าด้วยแนวทางการเปิดเผยข้อมูลเปิดภาครัฐ",
    "title_en": "Public hearing on the draft digital government standard for open government data",
    "organizer_name_th": DGA,
    "organizer_name_en": DGA_EN,
    "description_th": (
        "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน) หรือ สพร. ได้จัดทำ (ร่าง) มาตรฐานรัฐบาลดิจิทัล ว่าด้วยแนวทางการเปิดเผยข้อมูลเปิดภาครัฐ "
        "เพื่อให้หน่วยงานของรัฐเปิดเผยข้อมูลในรูปแบบข้อมูลดิจิทัลต่อสาธารณะ ที่ประชาชนเข้าถึงได้โดยสะดวก นำไปใช้ประโยชน์ต่อได้ "
        "และตรวจสอบการทำงานของภาครัฐได้\n\n"
        "สพร. จึงจัดประชุมรับฟังความคิดเห็นจากหน่วยงานของรัฐ ภาคเอกชน ภาควิชาการ ภาคประชาสังคม และประชาชนทั่วไป "
        "ช่วงเช้า ณ สำนักงาน สพร. และช่วงบ่ายผ่านการถ่ายทอดสดออนไลน์ ท่านสามารถแสดงความคิดเห็นต่อร่างมาตรฐานรายหมวดได้ที่หน้ากิจกรรมนี้"
    ),
    "description_en": (
        "DGA has drafted a digital government standard on how agencies publish open government data. This hearing "
        "gathered the views of agencies, business, academia, civil society and the public: the morning at DGA's office, "
        "the afternoon online. Comments were taken on each chapter of the draft."
    ),
    "venue_name": DGA,
    "venue_room": "ห้องประชุม 1",
    "venue_floor": "17",
    "venue_address": "อาคารบางกอกไทยทาวเวอร์ ถนนรางน้ำ แขวงถนนพญาไท เขตราชเทวี กรุงเทพฯ",
    "venue_name_en": DGA_EN,
    "venue_room_en": "Meeting room 1",
    "venue_address_en": "Bangkok Thai Tower, Rang Nam Road, Thanon Phaya Thai, Ratchathewi, Bangkok",
    "contact_name": "ฝ่ายมาตรฐานและกฎหมายดิจิทัล สพร.",
    "contact_phone": "02 612 6000",
    "contact_email": "contact@dga.or.th",
    "capacity": 60,
    "waitlist": False,
    "status": "published",
}

PAST_SECTIONS = ("หมวด 1 บททั่วไป", "หมวด 2 การจัดเตรียมชุดข้อมูลเปิด", "หมวด 3 รูปแบบและสัญญาอนุญาตของข้อมูลเปิด",
                 "หมวด 4 การติดตามและประเมินผล")
PAST_DOCUMENT = ("(ร่าง) มาตรฐานรัฐบาลดิจิทัล ว่าด้วยแนวทางการเปิดเผยข้อมูลเปิดภาครัฐ", "ร่างมาตรฐานข้อมูลเปิดภาครัฐ.txt",
                 "".join(f"{heading}\n" for heading in PAST_SECTIONS))

# (title, first name, last name, sector, organization, position, attendance, listed); the first 16 in the room
# in the morning (the first four also registered for the afternoon online), the other 14 online in the afternoon.
PAST_PEOPLE = [
    ("นาย", "ธนากร", "วงศ์สวัสดิ์", "government", "กรมการปกครอง", "นักวิชาการคอมพิวเตอร์ชำนาญการ", "onsite", True),
    ("นางสาว", "พิมพ์ชนก", "แก้วมณี", "government", "สำนักงานสถิติแห่งชาติ", "นักวิชาการสถิติ", "onsite", True),
    ("ผศ.ดร.", "สุรเชษฐ์", "อินทรประเสริฐ", "academic", "มหาวิทยาลัยธรรมศาสตร์", "อาจารย์", "onsite", True),
    ("นาง", "รัตนา", "บุญญาศิริ", "civil_society", "มูลนิธิเพื่อการพัฒนาข้อมูลเปิด", "ผู้อำนวยการ", "onsite", False),
    ("นาย", "ปิยะพงษ์", "ศรีวิเศษ", "government", "กรมบัญชีกลาง", "นักวิเคราะห์นโยบายและแผน", "onsite", False),
    ("นางสาว", "ศิริพร", "ทองคำ", "state_enterprise", "การไฟฟ้านครหลวง", "วิศวกรข้อมูล", "onsite", True),
    ("นาย", "กิตติศักดิ์", "พรหมมา", "private", "บริษัท ดาต้าไทย จำกัด", "ผู้จัดการฝ่ายเทคโนโลยี", "onsite", False),
    ("นางสาว", "วรรณิภา", "จันทร์เพ็ญ", "government", "กรุงเทพมหานคร", "นักวิชาการคอมพิวเตอร์", "onsite", True),
    ("ดร.", "ณัฐวุฒิ", "สุขเจริญ", "academic", "จุฬาลงกรณ์มหาวิทยาลัย", "นักวิจัย", "onsite", False),
    ("นาย", "ธวัชชัย", "ปัญญาดี", "public", "", "", "onsite", False),
    ("นาง", "อรุณี", "เพชรรัตน์", "government", "สำนักงานปลัดกระทรวงสาธารณสุข", "นักวิชาการสาธารณสุข", "onsite", True),
    ("นาย", "อนุชา", "เจริญผล", "state_enterprise", "บริษัท ทีโอที จำกัด (มหาชน)", "นักวิเคราะห์ระบบ", "onsite", False),
    ("นางสาว", "ชลธิชา", "รุ่งเรือง", "civil_society", "สมาคมผู้บริโภคดิจิทัล", "เจ้าหน้าที่โครงการ", "onsite", True),
    ("นาย", "วีระพล", "สายทอง", "private", "หอการค้าไทย", "ผู้ช่วยผู้อำนวยการ", "onsite", False),
    ("นาง", "สุภาพร", "ศรีสมบูรณ์", "government", "กรมที่ดิน", "นักวิชาการที่ดิน", "onsite", False),
    ("นาย", "ภานุวัฒน์", "แสงทอง", "public", "", "", "onsite", False),
    ("นางสาว", "กนกวรรณ", "ประเสริฐสุข", "government", "สำนักงานจังหวัดนครราชสีมา", "นักวิเคราะห์นโยบายและแผน", "online", True),
    ("นาย", "ชัยวัฒน์", "บุญประคอง", "government", "องค์การบริหารส่วนจังหวัดเชียงราย", "นักวิชาการคอมพิวเตอร์", "online", False),
    ("ผศ.", "นภาพร", "วิเศษศักดิ์", "academic", "มหาวิทยาลัยขอนแก่น", "อาจารย์", "online", True),
    ("นาย", "ชาญวิทย์", "ศักดิ์ดี", "private", "บริษัท โอเพ่นเทค จำกัด", "นักพัฒนาซอฟต์แวร์", "online", False),
    ("นางสาว", "จิราพร", "คำแก้ว", "public", "", "", "online", False),
    ("นาย", "ประพันธ์", "ทองสุข", "civil_society", "เครือข่ายพลเมืองตื่นรู้", "ผู้ประสานงาน", "online", True),
    ("นาง", "มาลัย", "สุวรรณรัตน์", "government", "เทศบาลนครหาดใหญ่", "หัวหน้าฝ่ายบริการและเผยแพร่วิชาการ", "online", False),
    ("นาย", "ธีรวัฒน์", "จันทร์หอม", "state_enterprise", "การประปาส่วนภูมิภาค", "นักวิเคราะห์ข้อมูล", "online", False),
    ("นางสาว", "ปวีณา", "ศรีวงศ์", "private", "สมาคมธนาคารไทย", "เจ้าหน้าที่นโยบาย", "online", True),
    ("นาย", "ศุภชัย", "นาคสวัสดิ์", "public", "", "", "online", False),
    ("นาง", "ลำดวน", "พึ่งทอง", "government", "สำนักงานคณะกรรมการข้อมูลข่าวสารของราชการ", "นิติกรชำนาญการ", "online", False),
    ("นาย", "ณรงค์ศักดิ์", "ดวงแก้ว", "academic", "มหาวิทยาลัยเชียงใหม่", "นักวิจัย", "online", False),
    ("นางสาว", "อัญชลี", "มีทรัพย์", "civil_society", "มูลนิธิสื่อเพื่อการศึกษาของชุมชน", "นักสื่อสาร", "online", False),
    ("นาย", "ไพโรจน์", "สิทธิชัย", "public", "", "", "online", False),
]
PAST_BOTH = 4            # the first four of the room also registered for the afternoon online
PAST_ONSITE = 16
PAST_ABSENT = ({13, 14, 15}, {3, 27, 28, 29})  # registered, never came: to the room in the morning, online in the afternoon

PAST_COMMENTS = (
    # (person, section index or None for the event, show the name, text, "publish" / reason to hide, reply)
    (2, 0, True, "ควรนิยามคำว่า \"ข้อมูลเปิด\" ให้สอดคล้องกับกฎหมายว่าด้วยข้อมูลข่าวสารของราชการ เพื่อไม่ให้หน่วยงานตีความต่างกัน",
     "publish", "สพร. จะปรับนิยามในหมวด 1 ให้อ้างอิงพระราชบัญญัติข้อมูลข่าวสารของราชการ พ.ศ. 2540"),
    (16, 1, False, "หน่วยงานระดับจังหวัดมีบุคลากรด้านข้อมูลน้อย ขอให้มีแบบฟอร์มและคู่มือการจัดเตรียมชุดข้อมูลที่ใช้ได้ทันที",
     "publish", "สพร. จะจัดทำคู่มือและแม่แบบคำอธิบายชุดข้อมูล (metadata) เผยแพร่พร้อมมาตรฐานฉบับจริง"),
    (5, 1, True, "ควรกำหนดให้ระบุความถี่ในการปรับปรุงข้อมูลทุกชุด ผู้ใช้จะได้ทราบว่าข้อมูลเป็นปัจจุบันหรือไม่", "publish", ""),
    (18, 2, True, "เสนอให้ใช้สัญญาอนุญาตแบบเปิดมาตรฐานสากล เช่น CC BY 4.0 เป็นค่าเริ่มต้น แทนการให้แต่ละหน่วยงานร่างเอง",
     "publish", "ร่างมาตรฐานหมวด 3 จะกำหนดสัญญาอนุญาตแบบเปิดเป็นค่าเริ่มต้น และให้ระบุเหตุผลเมื่อหน่วยงานใช้สัญญาอื่น"),
    (6, 2, False, "ขอให้เผยแพร่ข้อมูลในรูปแบบที่เครื่องอ่านได้ (CSV, JSON) พร้อม API ไม่ใช่เฉพาะไฟล์ PDF", "publish", ""),
    (21, 3, True, "ควรเปิดเผยผลการประเมินการเปิดเผยข้อมูลของแต่ละหน่วยงานต่อสาธารณะเป็นประจำทุกปี",
     "publish", "สพร. จะรายงานผลการประเมินประจำปีต่อสาธารณะผ่านศูนย์กลางข้อมูลเปิดภาครัฐ"),
    (11, None, False, "โดยรวมเห็นด้วยกับร่างมาตรฐาน แต่ควรมีระยะเวลาเปลี่ยนผ่านให้รัฐวิสาหกิจอย่างน้อยหนึ่งปี", "publish", ""),
    (25, 0, False, "สนใจบริการออกแบบเว็บไซต์ราคาพิเศษ ติดต่อได้ที่เพจของเรา",
     "ข้อความโฆษณา ไม่เกี่ยวข้องกับร่างมาตรฐาน", None),
)

PAST_QUESTIONS = (
    # (session: 0 morning / 1 afternoon, person, show the name, text, moderation, voters)
    (0, 0, True, "หน่วยงานที่ยังไม่มีบัญชีข้อมูล (data catalog) ต้องเริ่มจากขั้นตอนใดก่อน", ("approve", "answer"), (1, 4, 7, 10)),
    (0, 8, False, "ข้อมูลที่มีข้อมูลส่วนบุคคลปะปนอยู่ จะทำให้เป็นข้อมูลนิรนามตามมาตรฐานใด", ("approve", "answer"), (2, 5, 11)),
    (0, 12, True, "จะมีงบประมาณสนับสนุนหน่วยงานท้องถิ่นในการจัดทำข้อมูลเปิดหรือไม่", ("pin",), (0, 6)),
    (0, 9, False, "ขอเอกสารนำเสนอของวันนี้ได้ที่ใด", ("approve",), ()),
    (1, 17, True, "มาตรฐานนี้จะบังคับใช้กับองค์กรปกครองส่วนท้องถิ่นเมื่อใด", ("approve", "answer"), (16, 19, 22, 0)),
    (1, 19, False, "ศูนย์กลางข้อมูลเปิดภาครัฐจะรองรับ API สำหรับนักพัฒนาหรือไม่", ("approve", "answer"), (1, 24)),
    (1, 23, False, "จะมีการอบรมเจ้าหน้าที่ออนไลน์ก่อนมาตรฐานมีผลหรือไม่", ("approve",), (2,)),
)

PAST_SURVEY = {
    "standard": ["content", "speakers", "venue", "stream", "suggestions"], "target_percent": 85,
    "custom": [{"kind": "scale", "label_th": "ท่านเข้าใจสาระสำคัญของ (ร่าง) มาตรฐานมากขึ้น",
                "label_en": "I understand the draft standard's main points better"}],
}
# The overall rating of each participant who answered, by session (in the order of PAST_PEOPLE): 17 of 21
# satisfied, 81 %, under the 85 % target; the room more satisfied than the stream.
PAST_RATINGS = ({0: 5, 1: 4, 2: 5, 4: 4, 5: 5, 6: 4, 7: 5, 8: 3, 9: 4, 10: 5, 11: 4},
                {0: 4, 1: 5, 16: 4, 17: 3, 18: 5, 19: 2, 20: 4, 21: 5, 22: 3, 24: 4})
PAST_SUGGESTIONS = {2: "ควรจัดกลุ่มย่อยตามประเภทหน่วยงาน เพื่อให้อภิปรายได้ลึกขึ้น",
                    19: "เสียงถ่ายทอดสดขาดเป็นช่วง ๆ ในครึ่งชั่วโมงแรก", 22: "ขอให้เปิดช่องทางถามคำถามออนไลน์เร็วกว่านี้"}


@contextmanager
def _clock_at(moment):
    """The app's clock stopped at `moment` while the block runs (eventsvc/clock.py reads the CLOCK setting)."""
    config = current_app.config
    before = config.get("CLOCK")
    config["CLOCK"] = lambda: moment
    try:
        yield
    finally:
        config["CLOCK"] = before


def _past_hearing(organizer, staff):
    """The hearing that took place PAST_DAYS_AGO days ago, with everything that followed it; yields lines."""

    if db.session.scalar(sa.select(Event.id).where(Event.slug == PAST_HEARING["slug"])):
        yield f"event {PAST_HEARING['slug']}: already there"
        return
    day = to_local(clock.now() - timedelta(days=PAST_DAYS_AGO)).date()

    def when(days, hh_mm):  # Bangkok wall-clock time, `days` from the hearing's day
        return at((day + timedelta(days=days)).isoformat(), hh_mm)

    sessions = [
        {"name_th": "ช่วงเช้า (ณ สำนักงาน สพร.)", "name_en": "Morning (at DGA)",
         "starts_at": when(0, "09:00"), "ends_at": when(0, "12:00")},
        {"name_th": "ช่วงบ่าย (ถ่ายทอดสดออนไลน์)", "name_en": "Afternoon (online)",
         "starts_at": when(0, "13:30"), "ends_at": when(0, "16:30"),
         "stream_url": "https://www.youtube.com/watch?v=dga-open-data-hearing",
         "recording_url": "https://www.youtube.com/watch?v=dga-open-data-hearing-recording",
         "stream_visibility": "registrants"},
    ]
    # Announced two weeks before the hearing: the comment period (15 days from publication) ends the day after.
    with _clock_at(when(-14, "10:00")):
        event = event_services.create_event(organizer, PAST_HEARING, sessions)
        event.view_count = 1268
        db.session.add(EventMember(event_id=event.id, user_id=staff.id, role=TeamRole.checkin, added_by_id=organizer.id))
        title, filename, text = PAST_DOCUMENT
        upload = FileStorage(BytesIO(text.encode("utf-8")), filename=filename, content_type="text/plain")
        document = event_services.add_attachment(event, upload, title)
        document.download_count = 214
        db.session.flush()
        event.created_at = document.created_at = clock.now()  # the models' defaults are the wall clock
        sections = comment_services.set_sections(document, "\n".join(PAST_SECTIONS), actor=organizer)
        survey_services.save_survey(event, PAST_SURVEY, actor=organizer)
    morning, afternoon = sorted(event.sessions, key=lambda s: s.starts_at)

    people = []
    for n, (title_prefix, first, last, sector, organization, position, attendance, listed) in enumerate(PAST_PEOPLE):
        chosen = [morning] if n < PAST_ONSITE else [afternoon]
        if n < PAST_BOTH:
            chosen = [morning, afternoon]
        with _clock_at(when(-13, "08:00") + timedelta(hours=7 * n)):
            people.append(registration_services.register(event, {
                "title_prefix": title_prefix, "first_name": first, "last_name": last,
                "email": f"hearing-participant-{n + 1:02d}@example.org", "phone": "", "organization": organization,
                "position": position, "sector": sector, "attendance": attendance, "sessions": [s.id for s in chosen],
                "consent_processing": True, "consent_listing": listed}, actor=REGISTRANT).registration)
    attendee_services.set_list_published(event, True)

    for n, (person, section, named, text, moderation, reply) in enumerate(PAST_COMMENTS):
        written = when(-12 + n, "20:15")
        with _clock_at(written):
            data = {"body": text, "show_name": named}
            if section is not None:
                data.update(document_id=document.id, section=sections[section].id)
            author = comment_services.Author(registration=people[person])
            comment = comment_services.post_comment(author, data, actor=REGISTRANT).comment
        with _clock_at(written + timedelta(hours=15)):
            if moderation == "publish":
                comment_services.publish(comment, actor=organizer)
                if reply:
                    comment_services.reply(comment, reply, actor=organizer)
            else:
                comment_services.hide(comment, moderation, actor=organizer)
    yield (f"event {event.slug}: a hybrid hearing held {PAST_DAYS_AGO} days ago, {len(PAST_PEOPLE)} registrants, "
           f"{len(PAST_COMMENTS)} comments on the draft's chapters (/events/{event.slug}/comments)")

    # The morning: the door staff scans the tickets of those who came.
    for n in range(PAST_ONSITE):
        if n not in PAST_ABSENT[0]:
            with _clock_at(morning.starts_at - timedelta(minutes=30) + timedelta(minutes=2 * n)):
                checkin_services.check_in(people[n], morning, staff, "qr")
    # The afternoon: the online registrants (and three of the morning's) follow their join link while it is on.
    for n in [n for n in range(len(PAST_PEOPLE)) if afternoon in people[n].sessions and n not in PAST_ABSENT[1]]:
        joined = afternoon.starts_at - timedelta(minutes=5) + timedelta(minutes=n)
        with _clock_at(joined):
            livestream_services.join(people[n], afternoon, clock.now())
    # Questions from the floor and from the stream, voted up by others and moderated as the sessions went.
    for n, (which, person, named, text, moderation, voters) in enumerate(PAST_QUESTIONS):
        session = (morning, afternoon)[which]
        asked = session.starts_at + timedelta(minutes=40 + 10 * n)
        with _clock_at(asked):
            question = qna_services.ask(people[person], session, text, people[person].full_name if named else "")
            question.created_at = asked  # the model's default is the wall clock
        with _clock_at(asked + timedelta(minutes=3)):
            for action in [a for a in moderation if a != "answer"]:
                qna_services.moderate(question, action, actor=organizer)
        with _clock_at(asked + timedelta(minutes=5)):
            for voter in voters:
                qna_services.vote(people[voter], question)
        if "answer" in moderation:
            with _clock_at(asked + timedelta(minutes=30)):
                qna_services.moderate(question, "answer", actor=organizer)
    # The survey, answered from /my in the evening and the days after.
    for which, ratings in enumerate(PAST_RATINGS):
        session = (morning, afternoon)[which]
        for k, (n, overall) in enumerate(ratings.items()):
            with _clock_at(session.ends_at + timedelta(hours=2 + 5 * k)):
                mode = survey_services.mode_of(people[n], session)
                answers = {}
                for question in survey_services.questions_for(event, mode):
                    if question.kind == survey_services.SCALE:  # the other ratings within one of the overall one
                        answers[question.key] = overall if question.key == "overall" else max(1, min(5, overall + (n + k) % 3 - 1))
                    elif question.key == "suggestions" and n in PAST_SUGGESTIONS:
                        answers[question.key] = PAST_SUGGESTIONS[n]
                survey_services.submit_response(people[n], session, answers, actor=REGISTRANT)
    checked_in = PAST_ONSITE - len(PAST_ABSENT[0])
    joined = len([n for n in range(len(PAST_PEOPLE)) if afternoon in people[n].sessions and n not in PAST_ABSENT[1]])
    yield (f"event {event.slug}: {checked_in} checked in on site, {joined} joined online, {len(PAST_QUESTIONS)} questions, "
           f"{sum(map(len, PAST_RATINGS))} survey answers (/organizer/events/{event.slug}/survey/results)")

    # A week after the hearing the agency publishes the summary made from all this.
    with _clock_at(when(7, "14:00")):
        report_services.publish_generated(event, actor=organizer).published_at = clock.now()
    yield (f"event {event.slug}: the summary report published on the event page "
           f"(/organizer/events/{event.slug}/report, .pdf, .docx)")
    yield (f"personal link of {people[0].full_name}, who took part (download the certificate of participation "
           f"from it, then open its QR code's /verify link): {personal_url(people[0])}")


def load_demo(password):
    """Create the demo accounts and events; yields lines to print."""
    admin, created = _account("admin@example.org", Role.admin, password, "ผู้ดูแลระบบ")
    if created:
        yield f"account admin@example.org (admin), password: {password}"
    organizer, created = _account("organizer@example.org", Role.organizer, password, "เจ้าหน้าที่ สพร.")
    if created:
        yield f"account organizer@example.org (organizer), password: {password}"
    staff, created = _account("checkin@example.org", Role.checkin, password, "เจ้าหน้าที่ลงทะเบียน")
    if created:
        yield f"account checkin@example.org (check-in staff), password: {password}"
    colleague, created = _account("colleague@example.org", Role.organizer, password, "นักวิเคราะห์นโยบาย สพร.")
    if created:
        yield f"account colleague@example.org (organizer; on the workshop's team, a viewer of the hearing), password: {password}"
    for spec in DEMO_EVENTS:
        spec = dict(spec)
        if db.session.scalar(sa.select(Event.id).where(Event.slug == spec["slug"])):
            yield f"event {spec['slug']}: already there"
            continue
        sessions = spec.pop("sessions")
        documents = spec.pop("documents")
        view_count = spec.pop("view_count")
        event = event_services.create_event(organizer, spec, sessions)
        event.view_count = view_count
        # The demo's door staff works the door of every demo event.
        db.session.add(EventMember(event_id=event.id, user_id=staff.id, role=TeamRole.checkin, added_by_id=organizer.id))
        for title, filename, text, downloads in documents:
            upload = FileStorage(BytesIO(text.encode("utf-8")), filename=filename, content_type="text/plain")
            attachment = event_services.add_attachment(event, upload, title)
            attachment.download_count = downloads
        db.session.flush()
        yield f"event {event.slug}: created"
        if spec["slug"] == HEARING["slug"]:
            team_services.add_member(event, colleague.email, "viewer", organizer)
            yield from _hearing_comments(event, organizer)
        if spec["slug"] == FOCUS_GROUP["slug"]:
            question_services.add_question(event, FOCUS_GROUP_QUESTION, actor=organizer)
            yield f"event {event.slug}: a registration question"
        if spec["slug"] == WORKSHOP["slug"]:
            team_services.add_member(event, colleague.email, "organizer", organizer)
            result = invitation_services.invite(event, WORKSHOP_INVITEES, actor=organizer, send=True)
            yield f"event {event.slug}: {len(WORKSHOP_INVITEES)} invitations (flask --app wsgi outbox deliver writes them to instance/mail/)"
            _accept_workshop_invitations(event, result.invited)
            yield f"event {event.slug}: {len(WORKSHOP_ACCEPTED)} accepted; the list of participants is published"
            messaging_services.send(event, WORKSHOP_MESSAGE, actor=organizer, now=clock.now())
            yield f"event {event.slug}: a message to the registered participants, in the outbox"
            yield from _demo_session_questions(event, organizer)
        if spec["slug"] == HEARING["slug"]:
            yield from _demo_survey(event, organizer)
    yield from _report_demo(HEARING["slug"])
    yield from _past_hearing(organizer, staff)
    workshop = db.session.scalar(sa.select(Event).where(Event.slug == WORKSHOP["slug"]))
    first = db.session.scalar(sa.select(Invitation).where(Invitation.event_id == workshop.id).order_by(Invitation.id))
    if first is not None and invitation_services.is_usable(first):
        yield f"invitation link of {first.name}: {invitation_services.invite_url(first)}"
