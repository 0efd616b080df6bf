"""What a proposed start and target rest on, said in the page's language: which history a start
was taken from, and why a template's target is where it is, with the chance of reaching it at
today's pace."""

from __future__ import annotations

from app.admin.i18n import gettext as _
from app.okr.baselines import StartBasis
from app.okr.scoring import KRType
from app.okr.template_fill import Suggestion, TargetRule


def basis_words(basis: str | None) -> str:
    """Where an automatic start came from, as the words after a start value."""
    if basis == StartBasis.PERIOD_BEFORE:
        return _("from the equally long period before")
    if basis == StartBasis.RECENT_WEEKS:
        return _("from the last complete weeks, totals scaled to the length")
    if basis == StartBasis.FIRST_WEEK:
        return _("from the store's first complete week, totals scaled to the length")
    return _("from history")


def chance_words(chance: float) -> str:
    """A probability as people say it: "a 1-in-3 chance", "a 7-in-10 chance"."""
    if chance >= 0.95:
        return _("almost certain at today's pace")
    if chance < 0.02:
        return _("less than a 1-in-50 chance at today's pace")
    if chance <= 0.5:
        return _("about a 1-in-%(count)s chance at today's pace") % {"count": round(1 / chance)}
    return _("about a %(count)s-in-10 chance at today's pace") % {"count": round(chance * 10)}


def target_words(suggestion: Suggestion) -> str:
    """Why the proposed target is where it is, and how likely it is to be reached."""
    if suggestion.rule is TargetRule.BOUND:
        if suggestion.template.kr_type is KRType.STAY_BELOW:
            return _("The target is a bound to stay at or below: the key result scores the "
                     "share of days it holds.")  # fmt: skip
        return _("The target is a bound to stay at or above: the key result scores the share "
                 "of days it holds.")  # fmt: skip
    chance = suggestion.chance
    if suggestion.rule is TargetRule.GOOD_SCORE and chance is not None:
        return _(
            "The target is where today's pace is expected to score 0.7, a good result: "
            "reaching it is %(chance)s."
        ) % {"chance": chance_words(chance)}
    if chance is not None:
        return _(
            "Today's pace is not expected to score 0.7 anywhere beyond the start, so the target "
            "is the template's step: reaching it is %(chance)s."
        ) % {"chance": chance_words(chance)}
    return _("There are too few days to forecast yet, so the target is the template's step.")


# For the pages that list templates (the editor, the dashboard's guided start).
WORDS = {"basis_words": basis_words, "target_words": target_words}
