"""Which questionnaire an intake is read with: the version it was answered in, so old intakes keep their questions."""

from __future__ import annotations

from triage.domain.questionnaire.questions import Questionnaire, default_questionnaire, questionnaire_for


def questionnaire_of(version: str) -> Questionnaire:
    """The bundled questionnaire of this version; the current one for a version this build does not bundle.

    An unknown version still shows every stored answer: those the current questionnaire does not ask are listed
    under "Answers to questions not in this questionnaire version".
    """
    try:
        return questionnaire_for(version)
    except KeyError:
        return default_questionnaire()
