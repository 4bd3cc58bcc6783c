"""Human labels for stored codes (kinds, modalities, roles, statuses), translated."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    # opportunity kinds
    "workshop": _l("Workshop"),
    "webinar": _l("Webinar"),
    "community_of_practice": _l("Community of practice"),
    "convening": _l("Convening"),
    "training_series": _l("Training series"),
    "office_hours": _l("Office hours"),
    # modalities
    "in_person": _l("In person"),
    "virtual": _l("Virtual"),
    "hybrid": _l("Hybrid"),
    "on_site": _l("On-site"),
    "phone": _l("Phone"),
    # statuses
    "draft": _l("Draft"),
    "published": _l("Published"),
    "cancelled": _l("Cancelled"),
    "archived": _l("Archived"),
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("Waitlisted"),
    # pillars
    "integrated_student_supports": _l("Integrated student supports"),
    "family_community_engagement": _l("Family and community engagement"),
    "collaborative_leadership": _l("Collaborative leadership and practices"),
    "extended_learning": _l("Extended learning time and opportunities"),
    # LEA kinds and CCSPP
    "district": _l("School district"),
    "charter": _l("Charter school"),
    "county_office": _l("County office of education"),
    "none": _l("None"),
    "planning": _l("Planning grant"),
    "implementation": _l("Implementation grant"),
    # person roles
    "teacher": _l("Teacher"),
    "administrator": _l("Administrator"),
    "community_school_coordinator": _l("Community school coordinator"),
    "classified_staff": _l("Classified staff"),
    "student_support_staff": _l("Student-support staff"),
    "family_member": _l("Family member"),
    "community_partner": _l("Community partner"),
    "lea_county_staff": _l("LEA or county staff"),
    "other": _l("Other"),
    # user roles
    "staff": _l("R-TAC staff"),
    "facilitator": _l("Facilitator"),
    "admin": _l("Administrator (app)"),
    # support activity kinds
    "consultation_visit": _l("Consultation visit"),
    "coaching": _l("Coaching"),
    "planning_meeting": _l("Planning meeting"),
    "document_review": _l("Document review"),
}


def label(code: str | None) -> str:
    if code is None:
        return ""
    found = LABELS.get(code)
    return str(found) if found is not None else code.replace("_", " ")


def choices(codes) -> list[tuple[str, str]]:
    return [(code, label(code)) for code in codes]


def lazy_choices(codes) -> list[tuple[str, object]]:
    """Choices for a form class (built at import time): each label is translated when the page renders."""
    return [(code, LABELS.get(code, code)) for code in codes]


# Free tags are stored as slugs ("restorative-practices"); these are shown in capitals, the rest as words.
TAG_ACRONYMS = frozenset({"ccspp", "mtss", "lcap", "elo-p", "pbis", "sel", "iep", "ell", "elpac", "cde", "lea", "coe"})


def topic_label(code: str | None) -> str:
    """A topic for people: a pillar by its (translated) name, a free tag as readable words, never a slug."""
    if not code:
        return ""
    found = LABELS.get(code)
    if found is not None:
        return str(found)
    if code in TAG_ACRONYMS:
        return code.upper()
    words = code.replace("_", " ").replace("-", " ").split()
    text = " ".join(w.upper() if w in TAG_ACRONYMS else w for w in words)
    return text[:1].upper() + text[1:]
