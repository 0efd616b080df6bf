"""Messages people read (a form's errors, a warning): plain English strings that also carry
their template and values, so the admin can show them in the reader's language. The JSON API
sends them as the strings they are."""

from __future__ import annotations

from collections.abc import Mapping


class Text(str):
    """`Text("a range lies inside the cycle (%(first)s–%(last)s)", first=…, last=…)`: reads
    as the filled-in English; `template` is the catalogue's message id (extracted by
    scripts/translations.sh, keyword `Text`)."""

    template: str
    values: Mapping[str, object]

    def __new__(cls, template: str, /, **values: object) -> Text:
        text = super().__new__(cls, template % values if values else template)
        text.template, text.values = template, values
        return text
