"""What the summary report says, one small function per section.

Each section comes from the capability that owns its tables (comments,
questions during the sessions, the survey, attendance); here it is only put
in the shape the HTML page, the PDF and the DOCX read.
"""

from ..attendees.services import attendance_report
from ..comments.period import comment_period
from ..comments.services import comments_for_report
from ..qna.services import questions_for_report
from ..surveys.services import survey_results


def facts(event):
    """The event's facts, its announcement and its comment period."""
    opens, closes = comment_period(event)
    return {"event": event, "kind": event.kind.value, "published_at": event.published_at,
            "comments_open": opens, "comments_close": closes,
            "sessions": [s for s in event.sessions]}


def participation(event):
    """Per session registered / on site / online, and who registered by sector and organization."""
    return attendance_report(event)


def comments_section(event):
    """Published comments grouped by document and section, with the agency's replies and the counts."""
    return comments_for_report(event)


def questions_section(event):
    """Approved questions per session, most upvoted first, answered or not (the questions capability's own list)."""
    sessions = [{"session": group["session"],
                 "questions": [{"body": q["body"], "name": q["display_name"], "votes": q["votes"],
                                "answered": q["answered"]} for q in group["questions"]]}
                for group in questions_for_report(event) if group["questions"]]
    total = sum(len(s["questions"]) for s in sessions)
    answered = sum(q["answered"] for s in sessions for q in s["questions"])
    return {"sessions": sessions, "total": total, "answered": answered}


def survey_section(event):
    """The share satisfied (overall 4 or 5) against the target, in all, by sector and by on site / online:
    the survey capability's results, in rows, largest group first."""
    results = survey_results(event)

    def rows(groups):
        return [{"key": key, "responses": group["answers"], "satisfied": group["satisfied"],
                 "percent": group["satisfied_share"]}
                for key, group in sorted(groups.items(), key=lambda item: -item[1]["answers"]) if group["answers"]]

    return {"target": results["target_percent"], "responses": results["answers"], "took_part": results["took_part"],
            "response_rate": results["response_rate"], "satisfied": results["satisfied"],
            "percent": results["satisfied_share"], "met": results["met"],
            "by_sector": rows(results["by_sector"]), "by_mode": rows(results["by_mode"])}


def build(event):
    """Everything the report shows, in one dict (the HTML page, the PDF and the DOCX read the same)."""
    return {"facts": facts(event), "participation": participation(event), "comments": comments_section(event),
            "questions": questions_section(event), "survey": survey_section(event)}
