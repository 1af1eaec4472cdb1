"""The texts of the messages a patient receives: templates with named placeholders, checked, rendered and counted."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

PLACEHOLDERS = ("clinic_name", "appointment", "link", "clinic_phone", "opt_out_link")
SMS_LIMIT = 160  # one text message of the GSM alphabet; longer ones go in parts (segments)
# The GSM 03.38 alphabet: text in it takes 160 characters a message (153 a part); the extension characters count twice.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = set("^{}\\[~]|€\f")


def N_(text: str) -> str:  # noqa: N802 - the gettext marker pybabel looks for (the text is translated when sent)
    """Mark a default text for the translators' catalogs; returns it unchanged."""
    return text


# What {appointment} and {clinic_phone} say when the invitation has no appointment time or the clinic no phone number.
NO_APPOINTMENT = N_("the date in your appointment letter")
NO_PHONE = N_("the number in your appointment letter")


@dataclass(frozen=True)
class TemplateField:
    """One editable text: its name, its label on the admin page, the message it belongs to and its default."""

    name: str
    label: str
    kind: str  # invitation or reminder
    channel: str  # email or sms
    part: str  # subject or body
    default: str

    @property
    def required(self) -> tuple[str, ...]:
        """The placeholders this text must contain: a body its link, a reminder's body also its opt-out link."""
        if self.part == "subject":
            return ()
        return ("link", "opt_out_link") if self.kind == "reminder" else ("link",)

    @property
    def allowed(self) -> tuple[str, ...]:
        """The placeholders this text may use: a subject (one line, shown in lists) carries no link."""
        return tuple(p for p in PLACEHOLDERS if self.part == "body" or p not in ("link", "opt_out_link"))


FIELDS: tuple[TemplateField, ...] = (
    TemplateField(
        "invitation_email_subject", "Invitation email: subject", "invitation", "email", "subject",
        N_("Your questionnaire from {clinic_name}"),
    ),
    TemplateField(
        "invitation_email_body", "Invitation email: text", "invitation", "email", "body",
        N_(
            "Hello,\n\n{clinic_name} asks you to fill in a short questionnaire before your appointment on {appointment}."
            "\n\nOpen your private link:\n{link}\n\nBefore the questionnaire opens you will be asked for your date of birth."
            " The link is for you only, so please do not forward this message.\n\n"
            "If you have a question, please call the clinic on {clinic_phone}.\n\n{clinic_name}"
        ),
    ),
    TemplateField(
        "reminder_email_subject", "Reminder email: subject", "reminder", "email", "subject",
        N_("Reminder: your questionnaire from {clinic_name}"),
    ),
    TemplateField(
        "reminder_email_body", "Reminder email: text", "reminder", "email", "body",
        N_(
            "Hello,\n\nThis is a reminder to fill in your questionnaire before your appointment on {appointment}."
            "\n\nOpen your private link:\n{link}\n\nIf you have a question, please call the clinic on {clinic_phone}."
            "\n\nTo stop these reminders, open:\n{opt_out_link}\n\n{clinic_name}"
        ),
    ),
    TemplateField(
        "invitation_sms", "Invitation text message", "invitation", "sms", "body",
        N_("{clinic_name}: please fill in your questionnaire before your appointment on {appointment}: {link}"),
    ),
    TemplateField(
        "reminder_sms", "Reminder text message", "reminder", "sms", "body",
        N_("{clinic_name} reminder: your questionnaire for {appointment}: {link} Stop reminders: {opt_out_link}"),
    ),
)  # fmt: skip
BY_NAME: dict[str, TemplateField] = {f.name: f for f in FIELDS}


def field_for(kind: str, channel: str, part: str) -> TemplateField:
    """The template of one message part (e.g. the reminder email's subject); KeyError when there is none."""
    for candidate in FIELDS:
        if (candidate.kind, candidate.channel, candidate.part) == (kind, channel, part):
            return candidate
    raise KeyError(f"no template for the {kind} {channel} {part}")


class TemplateRefused(ValueError):
    """A template cannot be used; `field` names it and the message says why, naming the field."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def _names(text: str) -> list[str]:
    """The placeholder names in a text; raises ValueError on a stray brace or a format it does not allow."""
    names = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            written = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise ValueError(f"{{{written}}}")
        names.append(name)
    return names


def _listed(names: tuple[str, ...]) -> str:
    written = [f"{{{n}}}" for n in names]
    return written[0] if len(written) == 1 else f"{', '.join(written[:-1])} or {written[-1]}"


def check_template(field: TemplateField, text: str) -> str:
    """The text as stored (line ends unified, trimmed); raises TemplateRefused naming the field and the problem."""
    cleaned = text.replace("\r\n", "\n").strip()
    label = field.label
    if not cleaned:
        raise TemplateRefused(field.name, f"{label}: enter the text (or reset it to the default).")
    if field.part == "subject" and "\n" in cleaned:
        raise TemplateRefused(field.name, f"{label}: a subject is one line.")
    limit = 200 if field.part == "subject" else 2000
    if len(cleaned) > limit:
        raise TemplateRefused(field.name, f"{label}: use at most {limit} characters.")
    try:
        names = _names(cleaned)
    except ValueError as problem:
        raise TemplateRefused(
            field.name,
            f"{label}: {problem} is not a placeholder. Write placeholders like {{clinic_name}}; "
            "a brace on its own must be doubled ({{ or }}).",
        ) from None
    unknown = [n for n in names if n not in field.allowed]
    if unknown:
        raise TemplateRefused(field.name, f"{label}: {{{unknown[0]}}} is not a placeholder here; use {_listed(field.allowed)}.")
    missing = [n for n in field.required if n not in names]
    if missing:
        raise TemplateRefused(field.name, f"{label}: the text must contain {_listed(tuple(missing))}.")
    return cleaned


def render(text: str, values: Mapping[str, str]) -> str:
    """The text with each placeholder filled in (the values are inserted as they are, never read as templates)."""
    return text.format_map({name: values.get(name, "") for name in PLACEHOLDERS})


def sms_segments(text: str) -> int:
    """How many text messages (segments) the text is sent as: 160/153 characters in the GSM alphabet, else 70/67."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENSION for c in text):
        units = sum(2 if c in _GSM_EXTENSION else 1 for c in text)
        return 1 if units <= SMS_LIMIT else -(-units // 153)
    units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)  # UCS-2: a character beyond the BMP takes two
    return 1 if units <= 70 else -(-units // 67)
