"""What a browser posts back for an admin page's main form."""

from html.parser import HTMLParser


def form_data(response) -> dict:
    """What the browser would post back for the page's main form, unchanged."""

    class Collector(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.data: dict = {}
            self.select: str | None = None
            self.textarea: str | None = None

        def add(self, name: str, value: str) -> None:
            self.data.setdefault(name, []).append(value)

        def handle_starttag(self, tag, attrs) -> None:
            attrs = dict(attrs)
            name = attrs.get("name")
            if tag == "input" and name and attrs.get("type") not in {"submit", "file"}:
                if attrs.get("type") in {"checkbox", "radio"}:
                    if "checked" in attrs:
                        self.add(name, attrs.get("value", "on"))
                else:
                    self.add(name, attrs.get("value", ""))
            elif tag == "select":
                self.select = name
            elif tag == "option" and self.select and "selected" in attrs:
                self.add(self.select, attrs.get("value", ""))
            elif tag == "textarea":
                self.textarea = name
                self.add(name, "")

        def handle_endtag(self, tag) -> None:
            if tag == "select":
                self.select = None
            if tag == "textarea":
                self.textarea = None

        def handle_data(self, data) -> None:
            if self.textarea:
                self.data[self.textarea][-1] += data

    collector = Collector()
    collector.feed(response.content.decode())
    # A textarea's first newline belongs to the markup, not the value.
    return {
        name: [value.removeprefix("\n") for value in values]
        for name, values in collector.data.items()
    }


def faq_answer_changed(admin_client, entry, answer: str) -> None:
    """Staff change an FAQ entry's answer through the admin's change form."""
    from django.conf import settings

    response = admin_client.post(
        f"/{settings.ADMIN_URL}trials/faqentry/{entry.pk}/change/",
        {"question": entry.question, "answer": answer, "order": entry.order, "published": 1},
    )
    assert response.status_code == 302
