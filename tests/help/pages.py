"""Reading the Help page: its sections, questions, ids and in-page links, in document order."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse


@dataclass
class HelpPage(HTMLParser):
    ids: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    # (section id, [question ids]) in page order: <section id> and the <h3 id> inside it.
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    title: str = ""
    text: str = ""
    _in_title: bool = False
    _in_section: bool = False

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        id_ = values.get("id")
        if id_:
            self.ids.append(id_)
        if tag == "a" and (href := values.get("href")):
            self.links.append(href)
        if tag == "title":
            self._in_title = True
        if tag == "section" and id_:
            self.sections.append((id_, []))
            self._in_section = True
        if tag == "h3" and id_ and self._in_section:
            self.sections[-1][1].append(id_)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "section":
            self._in_section = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.text += data


def fetch(client: Client) -> HelpPage:
    response = client.get(reverse("help:index"))
    assert response.status_code == 200
    page = HelpPage()
    page.feed(response.content.decode())
    return page
