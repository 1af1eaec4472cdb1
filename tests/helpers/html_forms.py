"""Forms as a browser sees them: every form of a page, its controls in tree order, and the post each submit button makes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict

_NOT_POSTED = ("submit", "button", "image", "reset", "file")


@dataclass
class Control:
    """One named control: a field with the value the page shows, or a submit button (posted only when pressed)."""

    name: str
    value: str
    button: bool = False
    label: str = ""


@dataclass
class BrowserForm:
    """One form: where it posts, how, and its controls in document order."""

    action: str
    method: str
    controls: list[Control] = field(default_factory=list)

    def buttons(self) -> list[Control]:
        """Every submit button of the form (named or not), in document order."""
        return [c for c in self.controls if c.button]

    def fields(self) -> list[Control]:
        """The fields a browser posts whichever button is pressed."""
        return [c for c in self.controls if not c.button]

    def post_data(self, pressed: Control | None = None, changes: Mapping[str, str | list[str]] | None = None) -> MultiDict:
        """The form data set as a browser builds it: fields in tree order, the pressed button (if named) at its place.

        `changes` stands for what a user typed or chose: a changed field keeps its place; a field the page does
        not show is added at the end.
        """
        changes = dict(changes or {})
        pairs: list[tuple[str, str]] = []
        done: set[str] = set()
        for control in self.controls:
            if control.button:
                if control is pressed and control.name:
                    pairs.append((control.name, control.value))
                continue
            if control.name in changes:
                if control.name not in done:
                    wanted = changes[control.name]
                    pairs += [(control.name, v) for v in ([wanted] if isinstance(wanted, str) else wanted)]
                    done.add(control.name)
                continue
            pairs.append((control.name, control.value))
        for name, wanted in changes.items():
            if name not in done:
                pairs += [(name, v) for v in ([wanted] if isinstance(wanted, str) else wanted)]
        return MultiDict(pairs)


class _Reader(HTMLParser):
    """Collects the forms of a page and their successful controls."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[BrowserForm] = []
        self._form: BrowserForm | None = None
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._button: Control | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a form, or record a control of the open one."""
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = BrowserForm(a.get("action", ""), (a.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        kind = a.get("type", "text").lower()
        if tag == "input" and kind == "submit":
            form.controls.append(Control(a.get("name", ""), a.get("value", ""), True, a.get("value", "")))
        elif tag == "input" and a.get("name") and kind not in _NOT_POSTED:
            if kind not in ("checkbox", "radio") or "checked" in a:
                form.controls.append(Control(a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._button = Control(a.get("name", ""), a.get("value", ""), True)
            form.controls.append(self._button)
        elif tag == "select" and a.get("name"):
            self._select, self._options = (a["name"], "multiple" in a), []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data: str) -> None:
        """A text area's text, or a button's label."""
        if self._textarea is not None:
            self._text += data
        elif self._button is not None:
            self._button.label += data

    def handle_endtag(self, tag: str) -> None:
        """Close a form, a select (its chosen options), a text area or a button."""
        form = self._form
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and form is not None:
            name, multiple = self._select
            chosen = [v for v, s in self._options if s]
            if not chosen and not multiple:
                chosen = [v for v, _ in self._options[:1]]
            form.controls += [Control(name, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None and form is not None:
            # A browser drops the one newline right after <textarea>.
            form.controls.append(Control(self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "button" and self._button is not None:
            self._button.label = " ".join(self._button.label.split())
            self._button = None


def forms_of(html: str | bytes) -> list[BrowserForm]:
    """Every form of the page, in document order."""
    reader = _Reader()
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    return reader.forms


def form_posting_to(html: str | bytes, action: str) -> BrowserForm:
    """The one form of the page that posts to this address (the test fails when there is none)."""
    found = [f for f in forms_of(html) if f.action == action and f.method == "post"]
    if not found:
        raise LookupError(f"no form posting to {action} on the page")
    return found[0]
