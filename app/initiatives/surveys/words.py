"""What the survey's own pages and e-mails say around the merchant's questions, in each of our
languages (the questions themselves are the survey's, translated by the merchant)."""

from __future__ import annotations

from app.initiatives.surveys.settings import QuestionKind

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "A few questions from {shop}",
        "intro": "Thank you for your answer. If you have a moment, tell us a little more.",
        "ask": "Thank you for ordering again. Your answers help us get better.",
        "send": "Send my answers",
        "thanks": "Thank you! Your answers have been saved. You can change them here any time.",
        "problem": "One of the answers could not be saved: pick a score from the scale, or one "
        "of the choices, and keep texts under 2,000 characters.",
        "missing": "This survey link is not valid: it may have been changed on the way. Please "
        "use the link in the e-mail as it came.",
        "missing_title": "Survey not found",
        "skip": "No answer",
        "done": "Thank you for your answers!",
        "close": "Close",
    },
    "es": {
        "title": "Unas preguntas de {shop}",
        "intro": "Gracias por tu respuesta. Si tienes un momento, cuéntanos un poco más.",
        "ask": "Gracias por volver a comprar. Tus respuestas nos ayudan a mejorar.",
        "send": "Enviar mis respuestas",
        "thanks": "¡Gracias! Hemos guardado tus respuestas. Puedes cambiarlas aquí cuando quieras.",
        "problem": "No se pudo guardar una de las respuestas: elige una puntuación de la escala "
        "o una de las opciones, y escribe menos de 2000 caracteres.",
        "missing": "Este enlace de encuesta no es válido: puede que se haya modificado por el "
        "camino. Usa el enlace del correo tal como llegó.",
        "missing_title": "Encuesta no encontrada",
        "skip": "Sin respuesta",
        "done": "¡Gracias por tus respuestas!",
        "close": "Cerrar",
    },
    "de": {
        "title": "Ein paar Fragen von {shop}",
        "intro": "Danke für deine Antwort. Wenn du einen Moment hast, erzähl uns etwas mehr.",
        "ask": "Danke, dass du wieder bestellt hast. Deine Antworten helfen uns, besser zu werden.",
        "send": "Antworten senden",
        "thanks": "Danke! Deine Antworten sind gespeichert. Du kannst sie hier jederzeit ändern.",
        "problem": "Eine der Antworten konnte nicht gespeichert werden: Wähle einen Wert der "
        "Skala oder eine der Möglichkeiten und schreibe weniger als 2000 Zeichen.",
        "missing": "Dieser Umfragelink ist nicht gültig: Er wurde vielleicht unterwegs verändert. "
        "Bitte nutze den Link aus der E-Mail so, wie er angekommen ist.",
        "missing_title": "Umfrage nicht gefunden",
        "skip": "Keine Antwort",
        "done": "Danke für deine Antworten!",
        "close": "Schließen",
    },
}

SCALE_ENDS = {
    QuestionKind.NPS: {
        "en": ("Not at all likely", "Extremely likely"),
        "es": ("Nada probable", "Muy probable"),
        "de": ("Überhaupt nicht wahrscheinlich", "Äußerst wahrscheinlich"),
    },
    QuestionKind.CES: {
        "en": ("Very difficult", "Very easy"),
        "es": ("Muy difícil", "Muy fácil"),
        "de": ("Sehr schwierig", "Sehr einfach"),
    },
}


def scale_ends(kind: QuestionKind, language: str) -> tuple[str, str]:
    """What the lowest and the highest score of a score question mean."""
    return SCALE_ENDS[kind][language]
