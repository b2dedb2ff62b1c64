"""Alerts: the moment an official source clarifies an election hoax, tell the officials concerned.

One story per call, because on AWS each urgent story is its own invocation.
Each official gets the alert once per channel (email, SMS), whatever retries
happen, through the sent ledger.
"""

from __future__ import annotations

from dataclasses import dataclass

from warta.core.links import RecipientKind
from warta.core.model import Official, Story
from warta.core.ports import Renderer, Store
from warta.core.regions import concerns
from warta.services.compose import UNSUBSCRIBE_MARK, Rendered
from warta.services.delivery import Delivery, Recipient, tally

EMAIL_KIND = "alert-email"
SMS_KIND = "alert-sms"

SMS_LIMIT = 306
"""Two concatenated GSM-7 SMS segments: room for a title and a link."""

# One character outside GSM-7 (a curly quote, an em dash, an ellipsis) turns
# the whole SMS into UCS-2, 67 characters a segment instead of 153: the usual
# typographic ones are written the plain way instead.
_GSM_PLAIN = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
     "\u2026": "...", "\u00a0": " "}
)  # fmt: skip


def sms_text(rendered: str) -> str:
    """One line of SMS text in GSM-7 where it can be, cut to two segments."""
    text = " ".join(rendered.translate(_GSM_PLAIN).split())
    if len(text) > SMS_LIMIT:
        text = text[: SMS_LIMIT - 3].rstrip() + "..."
    return text


@dataclass(slots=True)
class AlertReport:
    story_id: str
    officials: int = 0
    emails: int = 0
    sms: int = 0
    already: int = 0
    failed: int = 0
    skipped: str | None = None


class Alerts:
    def __init__(
        self,
        *,
        store: Store,
        delivery: Delivery,
        renderer: Renderer,
        page_size: int = 100,
    ) -> None:
        self.store = store
        self.delivery = delivery
        self.renderer = renderer
        self.page_size = page_size

    def render(self, story: Story) -> tuple[Rendered, str]:
        context = {"story": story, "unsubscribe_url": UNSUBSCRIBE_MARK}
        email = Rendered(
            subject=self.renderer.render("alert_subject.txt", **context).strip(),
            text=self.renderer.render("alert.txt", **context),
            html=self.renderer.render("alert.html", **context),
        )
        sms = sms_text(self.renderer.render("alert_sms.txt", **context))
        return email, sms

    def story(self, story_id: str) -> AlertReport:
        report = AlertReport(story_id)
        story = self.store.get_story(story_id)
        if story is None:
            report.skipped = "unknown story"
            return report
        if not story.urgent:
            report.skipped = "not urgent"
            return report
        email, sms = self.render(story)
        cursor: str | None = None
        while True:
            page = self.store.officials_page(cursor=cursor, limit=self.page_size)
            for official in page.items:
                if concerns(story.region, (official.region,)):
                    report.officials += 1
                    self._alert(official, story, email, sms, report)
            cursor = page.cursor
            if cursor is None:
                return report

    def _alert(
        self, official: Official, story: Story, email: Rendered, sms: str, report: AlertReport
    ) -> None:
        if official.email:
            outcome = self.delivery.email(
                email,
                kind="alert",
                ledger_kind=EMAIL_KIND,
                key=story.id,
                to=Recipient(RecipientKind.OFFICIAL, official.id, official.email),
            )
            tally(report, outcome, "emails")
        if official.phone:
            outcome = self.delivery.sms(
                sms, kind=SMS_KIND, key=story.id, recipient_id=official.id, phone=official.phone
            )
            tally(report, outcome, "sms")
