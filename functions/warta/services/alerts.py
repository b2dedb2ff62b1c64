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
from warta.services.compose import Edition, render_edition
from warta.services.delivery import Delivery, Recipient, tally
from warta.services.sms import SMS_LIMIT, sms_text

__all__ = ["SMS_LIMIT", "AlertReport", "Alerts", "sms_text"]

EMAIL_KIND = "alert-email"
SMS_KIND = "alert-sms"
ALERTED = "alert-done"
"""Sent-ledger kind that marks a story whose alert reached every official concerned."""
ALERTED_RECIPIENT = "officials"


@dataclass(slots=True)
class AlertReport:
    story_id: str
    officials: int = 0
    emails: int = 0
    sms: int = 0
    already: int = 0
    busy: int = 0
    """Held by another sender's claim under lease: to be tried again later."""
    resumed: int = 0
    """Sent after taking over a dead sender's claim (counted in emails or sms too)."""
    failed: int = 0
    skipped: str | None = None

    @property
    def complete(self) -> bool:
        """Every official concerned has had every message of this alert."""
        return self.skipped is None and not self.failed and not self.busy


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

    def render(self, story: Story) -> tuple[Edition, str]:
        email = render_edition(
            self.renderer,
            subject="alert_subject.txt",
            text="alert.txt",
            html="alert.html",
            story=story,
        )
        sms = sms_text(
            self.renderer.render("alert_sms.txt", story=story),
            link=story.sources[0].url if story.sources else None,
        )
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
                break
        if report.complete:
            # The mark the sweeps look for: no official is still owed this alert.
            self.store.complete_send(
                ALERTED,
                story.id,
                ALERTED_RECIPIENT,
                message_id="done",
                now=self.delivery.clock.now(),
            )
        return report

    def _alert(
        self, official: Official, story: Story, email: Edition, sms: str, report: AlertReport
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
