"""Each sender keeps to its share of the provider's rate: sends spaced 1/rate apart, on a
clock the test moves (adapters.pacing), and SES's rate read from the account once."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from botocore.exceptions import ClientError
from tests.doubles import RecordingMailer, RecordingNotifier

from warta.adapters.aws import Backoff
from warta.adapters.pacing import PacedMailer, PacedNotifier, Pacer, Timer
from warta.adapters.ses_quota import SesQuota
from warta.config.aws_settings import load_aws_settings
from warta.config.settings import load_settings
from warta.wiring import AwsClients, build_aws_senders


@dataclass
class FakeTime:
    """A monotonic clock that moves only by what is slept (and what a call spends)."""

    now: float = 100.0
    slept: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.slept.append(seconds)

    @property
    def timer(self) -> Timer:
        return Timer(now=lambda: self.now, sleep=self.sleep)


def test_sends_are_spaced_one_over_the_rate_apart_never_in_a_burst() -> None:
    time = FakeTime()
    pacer = Pacer(4.0, timer=time.timer)
    moments = []
    for _ in range(5):
        time.now += pacer.wait()  # the caller sleeps what it was told, then sends
        moments.append(time.now)
    assert moments == [100.0, 100.25, 100.5, 100.75, 101.0]


def test_a_sender_slower_than_its_pace_never_waits() -> None:
    time = FakeTime()
    pacer = Pacer(2.0, timer=time.timer)
    for _ in range(3):
        assert pacer.wait() == 0.0
        time.now += 0.75  # each send takes longer than the pace asks
    assert time.slept == []


def test_an_idle_sender_gets_no_burst_after_its_pause() -> None:
    time = FakeTime()
    pacer = Pacer(10.0, timer=time.timer)
    pacer.wait()
    time.now += 60  # a minute without sends saves up nothing
    assert [pacer.wait(), pacer.wait()] == [0.0, pytest.approx(0.1)]


def test_threads_sharing_a_pacer_each_wait_for_a_moment_of_their_own() -> None:
    time = FakeTime()
    pacer = Pacer(5.0, timer=time.timer)
    start = threading.Barrier(8)

    def send() -> None:
        start.wait()
        pacer.wait()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(time.slept) == pytest.approx([0.2 * n for n in range(1, 8)])


def test_the_rate_is_asked_for_once_at_the_first_send_and_none_means_no_limit() -> None:
    asked = []

    def rate() -> float | None:
        asked.append(1)
        return None

    pacer = Pacer(rate, timer=FakeTime().timer)
    assert asked == []  # building it asks nothing
    assert [pacer.wait() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert asked == [1]


@pytest.mark.parametrize("rate", [-1.0, float("nan"), float("inf")])
def test_a_rate_that_is_no_positive_number_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(rate).wait()


def test_the_paced_mailer_and_notifier_wait_before_each_send() -> None:
    time = FakeTime()
    mailer, notifier = RecordingMailer(), RecordingNotifier()
    paced = PacedNotifier(notifier, Pacer(2.0, timer=time.timer))
    paced.notify("+6281200000000", "Halo", key="k1")
    paced.notify("+6281200000001", "Halo", key="k2")
    assert time.slept == [0.5]
    assert len(notifier.sent) == 2
    assert isinstance(PacedMailer(mailer, Pacer(1.0)).mailer, RecordingMailer)


class FakeSes:
    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.calls = 0

    def get_account(self) -> dict[str, Any]:
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize(
    ("answer", "rate"),
    [
        ({"SendQuota": {"MaxSendRate": 14.0, "Max24HourSend": 50000.0}}, 14.0),
        ({"SendQuota": {"MaxSendRate": 1}}, 1.0),  # the sandbox
        ({"SendQuota": {}}, None),
        ({"SendQuota": {"MaxSendRate": 0}}, None),
        ({"SendQuota": {"MaxSendRate": "14"}}, None),
        (
            ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetAccount"
            ),
            None,
        ),
    ],
)
def test_the_ses_rate_is_read_from_the_account_or_none(
    answer: dict[str, Any] | Exception, rate: float | None
) -> None:
    assert SesQuota(FakeSes(answer)).max_send_rate() == rate


SENDER = "Warta Pemilu <warta@warta.example>"
ENV = {
    "WARTA_PUBLIC_URL": "https://warta.example",
    "WARTA_SENDER": "Warta Pemilu <warta@warta.example>",
    "WARTA_TABLE": "warta",
    "WARTA_INGEST_QUEUE_URL": "https://sqs.ap-southeast-3.amazonaws.com/1/ingest",
    "WARTA_ALERT_QUEUE_URL": "https://sqs.ap-southeast-3.amazonaws.com/1/alerts",
    "WARTA_DIGEST_QUEUE_URL": "https://sqs.ap-southeast-3.amazonaws.com/1/digest",
    "WARTA_SECRET_PARAMETER": "/warta/secret",
}


def senders(tmp_path: Any, ses: FakeSes, **env: str) -> tuple[PacedMailer, PacedNotifier]:
    environment = {**ENV, **env}
    mailer, notifier = build_aws_senders(
        load_settings(environment, cwd=tmp_path, secret=b"s" * 48),
        load_aws_settings(environment),
        clients=AwsClients(sesv2=ses, sns=object()),
    )
    assert isinstance(mailer, PacedMailer) and isinstance(notifier, PacedNotifier)
    return mailer, notifier


@pytest.mark.parametrize(
    ("answer", "env", "email_interval"),
    [
        # SES's 28 a second shared by 2 digest and 2 alert senders: 7 each.
        ({"SendQuota": {"MaxSendRate": 28.0}}, {}, 1 / 7),
        # 10 digest senders and the 2 alert senders share 60 a second: 5 each.
        ({"SendQuota": {"MaxSendRate": 60.0}}, {"WARTA_DIGEST_SENDERS": "10"}, 1 / 5),
        # SES does not say: its 14 a second for a new production account.
        (ClientError({"Error": {"Code": "Throttling"}}, "GetAccount"), {}, 4 / 14),
    ],
)
def test_each_aws_sender_keeps_to_its_share_of_the_account_rate(
    tmp_path: Any, answer: dict[str, Any] | Exception, env: dict[str, str], email_interval: float
) -> None:
    ses = FakeSes(answer)
    mailer, notifier = senders(tmp_path, ses, **env)
    assert ses.calls == 0  # nothing asked before the first send
    assert mailer.pacer.interval == pytest.approx(email_interval)
    assert mailer.pacer.interval == pytest.approx(email_interval)
    assert ses.calls == 1  # once per container
    # SNS's 20 SMS a second, shared by the two alert senders.
    assert notifier.pacer.interval == pytest.approx(1 / 10)


def test_set_rates_win_over_the_accounts_and_snss(tmp_path: Any) -> None:
    ses = FakeSes({"SendQuota": {"MaxSendRate": 1000.0}})
    mailer, notifier = senders(tmp_path, ses, WARTA_SEND_RATE="8", WARTA_SMS_RATE="4")
    assert mailer.pacer.interval == pytest.approx(4 / 8)
    assert notifier.pacer.interval == pytest.approx(2 / 4)
    assert ses.calls == 0


class ThrottlingSes(FakeSes):
    """SES that throttles the first send of each message, then takes it."""

    def __init__(self) -> None:
        super().__init__({"SendQuota": {"MaxSendRate": 4.0}})
        self.sends = 0

    def send_email(self, **_: Any) -> dict[str, Any]:
        self.sends += 1
        if self.sends % 2:
            raise ClientError({"Error": {"Code": "TooManyRequestsException"}}, "SendEmail")
        return {"MessageId": f"ses-{self.sends}"}


def test_a_send_tried_again_after_a_throttle_waits_for_a_step_of_its_own(tmp_path: Any) -> None:
    time = FakeTime()
    ses = ThrottlingSes()
    environment = {**ENV, "WARTA_DIGEST_SENDERS": "2"}
    mailer, _ = build_aws_senders(
        load_settings(environment, cwd=tmp_path, secret=b"s" * 48),
        load_aws_settings(environment),
        clients=AwsClients(sesv2=ses, sns=object()),
        timer=time.timer,
        backoff=Backoff(sleep=time.sleep, random=lambda: 0.0),
    )
    message = EmailMessage()
    message["From"], message["To"], message["Message-ID"] = SENDER, "a@contoh.id", "<m1@w>"
    message.set_content("Halo")

    assert mailer.send(message) == "ses-2"

    # The first attempt went at once; the one after the throttle waited out the backoff's
    # draw (0 here) and then a step of the pace: 4 a second shared by 4 senders.
    assert time.slept == [0.0, pytest.approx(1.0)]
    assert ses.sends == 2
