"""The center's standard questions as first installed (staff then edit them on the question-bank page), and a few
more bank questions to choose from. Both languages are data here: staff edit both in the app."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DefaultQuestion:
    key: str
    kind: str
    text_en: str
    text_es: str
    required: bool = False
    standard: bool = False
    choices: list[dict] = field(default_factory=list)


OVERALL_KEY = "overall_quality"

DEFAULT_BANK = (
    DefaultQuestion(
        OVERALL_KEY,
        "scale",
        "The session was of high quality overall.",
        "En general, la sesión fue de alta calidad.",
        required=True,
        standard=True,
    ),
    DefaultQuestion(
        "relevance",
        "scale",
        "The content was relevant to my work.",
        "El contenido fue pertinente para mi trabajo.",
        required=True,
        standard=True,
    ),
    DefaultQuestion(
        "will_apply", "scale", "I will apply what I learned.", "Aplicaré lo que aprendí.", required=True, standard=True
    ),
    DefaultQuestion(
        "facilitator",
        "scale",
        "The facilitators were effective.",
        "Los facilitadores fueron eficaces.",
        required=True,
        standard=True,
    ),
    DefaultQuestion("most_useful", "long_text", "What was most useful?", "¿Qué fue lo más útil?", standard=True),
    DefaultQuestion("could_be_better", "long_text", "What could be better?", "¿Qué se podría mejorar?", standard=True),
    DefaultQuestion(
        "topics_next",
        "short_text",
        "What topics would you like next?",
        "¿Qué temas le gustaría tratar después?",
        standard=True,
    ),
    DefaultQuestion(
        "pace",
        "single",
        "The pace of the session was…",
        "El ritmo de la sesión fue…",
        choices=[
            {"value": "too_slow", "en": "Too slow", "es": "Demasiado lento"},
            {"value": "right", "en": "About right", "es": "Adecuado"},
            {"value": "too_fast", "en": "Too fast", "es": "Demasiado rápido"},
        ],
    ),
    DefaultQuestion(
        "roles_reached",
        "multiple",
        "Whom will you share this with?",
        "¿Con quién compartirá esto?",
        choices=[
            {"value": "colleagues", "en": "Colleagues", "es": "Colegas"},
            {"value": "families", "en": "Families", "es": "Familias"},
            {"value": "partners", "en": "Community partners", "es": "Socios comunitarios"},
            {"value": "leadership", "en": "School leadership", "es": "Dirección escolar"},
        ],
    ),
)
