"""The SAM template in infra/: every failure reaches a person, every function holds only what it uses.

`operability_problems()` reads the template (as cfn-lint loads it, short forms
resolved) and names every missing piece: an alarm, a dead-letter queue, a log
retention, deletion protection, a permission too wide. The real template must
have none; each check is shown to catch its piece missing from a copy.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "infra" / "template.yaml"
STEPS = REPO / "functions" / "warta" / "handlers" / "_steps.py"

# Warta's own metrics that mean someone was not told something, or a source needs a look.
OWN_METRICS = ("AlertsFailed", "DigestsFailed", "SourceProblems")
NAMESPACE = "Warta"
SERVICE = "warta"

# Actions that may be granted on every resource, and why. Nothing else may.
RESOURCE_WILDCARD_EXCEPTIONS = {
    # SNS has no ARN for a phone number: an SMS published straight to a number can only be
    # allowed on "*", narrowed here by NotResource to everything but topics.
    "sns:Publish": "SMS to phone numbers has no resource ARN",
    "ses:PutSuppressedDestination": "the SES account's suppression list has no resource ARN",
    "ses:GetAccount": "the SES account's own settings (its send rate) have no resource ARN",
}

# Prefixes of actions no such function may hold: SAM policy templates are named by service.
FORBIDDEN_SERVICES = {
    # The public pages send one kind of mail, a sign-up's confirmation or preferences link
    # (SES), and never queue work or text anyone.
    "WebFunction": ("sqs", "sns"),
    "IngestFunction": ("ses", "sns"),
    # It reads reports from outside: it may suppress addresses, never send or queue anything.
    "BouncesFunction": ("sqs", "sns"),
}

COUNT_MISSING_DATA = "notBreaching"

# Metrics whose alarms have a threshold of their own rather than firing on the first one:
# a queue's oldest message (above its retry wait), SES's bounce and complaint rates (below
# the rates at which SES reviews the account).
OWN_THRESHOLDS = (
    "ApproximateAgeOfOldestMessage",
    "Reputation.BounceRate",
    "Reputation.ComplaintRate",
)


def _load() -> dict[str, Any]:
    decoded, problems = decode(str(TEMPLATE))
    assert not problems, [str(p) for p in problems]
    assert decoded is not None
    return dict(decoded)


@pytest.fixture(scope="module")
def loaded() -> dict[str, Any]:
    return _load()


@pytest.fixture
def template(loaded: dict[str, Any]) -> dict[str, Any]:
    """A copy each test may change."""
    return copy.deepcopy(loaded)


# -- reading the template ---------------------------------------------------------------


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource.get("Type") == kind
    }


def _properties(resource: dict[str, Any]) -> dict[str, Any]:
    return dict(resource.get("Properties") or {})


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _getatt(value: Any, attribute: str) -> str | None:
    """The logical id in `!GetAtt Id.<attribute>`, or None for anything else."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        name, got = value["Fn::GetAtt"]
        if got == attribute:
            return str(name)
    return None


def _ref(value: Any) -> str | None:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return str(value["Ref"])
    return None


def _scheduled_events(function: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        dict(event.get("Properties") or {})
        for event in _properties(function).get("Events", {}).values()
        if event.get("Type") in ("ScheduleV2", "Schedule")
    ]


def _dead_letter_queues(template: dict[str, Any]) -> dict[str, str]:
    """Every queue that keeps what failed, with what sends there."""
    found: dict[str, str] = {}
    for name, queue in _resources(template, "AWS::SQS::Queue").items():
        redrive = _properties(queue).get("RedrivePolicy")
        if redrive:
            target = _getatt(redrive.get("deadLetterTargetArn"), "Arn")
            if target:
                found[target] = f"{name}'s redrive policy"
    for name, function in _resources(template, "AWS::Serverless::Function").items():
        for event in _scheduled_events(function):
            target = _getatt((event.get("DeadLetterConfig") or {}).get("Arn"), "Arn")
            if target:
                found[target] = f"{name}'s schedule"
        invoke = _properties(function).get("EventInvokeConfig") or {}
        destination = (invoke.get("DestinationConfig") or {}).get("OnFailure") or {}
        target = _getatt(destination.get("Destination"), "Arn")
        if target and target in _resources(template, "AWS::SQS::Queue"):
            found[target] = f"{name}'s on-failure destination"
    return found


def _work_queues(template: dict[str, Any]) -> set[str]:
    """Queues a function takes work from."""
    found = set()
    for function in _resources(template, "AWS::Serverless::Function").values():
        for event in _properties(function).get("Events", {}).values():
            if event.get("Type") == "SQS":
                target = _getatt(event["Properties"].get("Queue"), "Arn")
                if target:
                    found.add(target)
    return found


def _alarms_on(
    template: dict[str, Any], namespace: str, metric: str, dimension: str, value: Any
) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, _properties(alarm))
        for name, alarm in _resources(template, "AWS::CloudWatch::Alarm").items()
        if _properties(alarm).get("Namespace") == namespace
        and _properties(alarm).get("MetricName") == metric
        and {"Name": dimension, "Value": value} in _properties(alarm).get("Dimensions", [])
    ]


def _fires_on_any(alarm: dict[str, Any]) -> bool:
    """Above zero: one error, one message kept, one failed send is enough."""
    return alarm.get("ComparisonOperator") == "GreaterThanThreshold" and alarm.get("Threshold") in (
        0,
        "0",
    )


def _statements_of(template: dict[str, Any], policy: Any) -> list[dict[str, Any]]:
    """The statements an entry of a function's Policies grants (a managed policy resolved)."""
    if _ref(policy) in template["Resources"]:
        document = _properties(template["Resources"][_ref(policy)]).get("PolicyDocument", {})
        statements = document.get("Statement", [])
    elif isinstance(policy, dict) and "Statement" in policy:
        statements = policy["Statement"]
    else:
        return []
    found = []
    for statement in statements:
        if isinstance(statement, dict) and "Fn::If" in statement:
            statement = statement["Fn::If"][1]  # the statement, or AWS::NoValue
        if isinstance(statement, dict) and "Effect" in statement:
            found.append(statement)
    return found


def _function_actions(template: dict[str, Any], name: str) -> set[str]:
    """Every action a function's role gets, SAM's policy templates named by their service."""
    function = template["Resources"][name]
    actions: set[str] = set()
    for policy in _properties(function).get("Policies", []):
        if isinstance(policy, str):
            actions.add(f"managed:{policy}")  # an AWS managed policy by name
        elif (
            isinstance(policy, dict) and len(policy) == 1 and next(iter(policy)).endswith("Policy")
        ):
            # A SAM policy template, such as SQSSendMessagePolicy or SESCrudPolicy.
            service = re.match(r"[A-Z][a-z]+|[A-Z]+(?=[A-Z][a-z])", next(iter(policy)))
            assert service, policy
            actions.add(f"{service.group(0).lower()}:{next(iter(policy))}")
        for statement in _statements_of(template, policy):
            actions.update(_as_list(statement.get("Action", [])))
    # SAM lets an SQS or SNS on-failure destination write with the function's own role.
    invoke = _properties(function).get("EventInvokeConfig") or {}
    destination = (invoke.get("DestinationConfig") or {}).get("OnFailure") or {}
    if destination.get("Type") == "SQS":
        actions.add("sqs:SendMessage")
    elif destination.get("Type") == "SNS":
        actions.add("sns:Publish")
    return actions


def _every_statement(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name in _resources(template, "AWS::IAM::ManagedPolicy"):
        for statement in _statements_of(template, {"Ref": name}):
            found.append((name, statement))
    for name, function in _resources(template, "AWS::Serverless::Function").items():
        for policy in _properties(function).get("Policies", []):
            if _ref(policy) is None:
                found.extend((name, statement) for statement in _statements_of(template, policy))
    return found


def _is_every_resource(resource: Any) -> bool:
    text = resource.get("Fn::Sub", "") if isinstance(resource, dict) else resource
    text = text[0] if isinstance(text, list) else text
    return text == "*"


# -- the checks ---------------------------------------------------------------------------


def operability_problems(template: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    functions = _resources(template, "AWS::Serverless::Function")
    queues = _resources(template, "AWS::SQS::Queue")

    # One topic receives every alarm, and someone is subscribed to it.
    topics = _resources(template, "AWS::SNS::Topic")
    if "AlarmTopic" not in topics:
        problems.append("no AlarmTopic SNS topic")
    subscribed = [
        s
        for s in _resources(template, "AWS::SNS::Subscription").values()
        if _ref(_properties(s).get("TopicArn")) == "AlarmTopic"
        and _properties(s).get("Protocol") == "email"
    ]
    if not subscribed:
        problems.append("AlarmTopic: no email subscription")
    for name, alarm in _resources(template, "AWS::CloudWatch::Alarm").items():
        properties = _properties(alarm)
        if properties.get("AlarmActions") != [{"Ref": "AlarmTopic"}]:
            problems.append(f"{name}: AlarmActions do not go to the alarm topic")
        if "OKActions" in properties and properties["OKActions"] != [{"Ref": "AlarmTopic"}]:
            problems.append(f"{name}: OKActions do not go to the alarm topic")
        if properties.get("TreatMissingData") != COUNT_MISSING_DATA:
            problems.append(f"{name}: missing data is not treated as {COUNT_MISSING_DATA}")
        if not _fires_on_any(properties) and properties.get("MetricName") not in OWN_THRESHOLDS:
            problems.append(f"{name}: does not fire on the first one")

    # Every function: errors and throttles.
    for name in functions:
        for metric in ("Errors", "Throttles"):
            if not _alarms_on(template, "AWS/Lambda", metric, "FunctionName", {"Ref": name}):
                problems.append(f"{name}: no {metric} alarm")

    # Every queue is a work queue or a dead-letter queue; dead letters are alarmed by depth,
    # work queues by the age of their oldest message.
    dead_letters = _dead_letter_queues(template)
    work = _work_queues(template)
    for name in queues:
        if name not in dead_letters and name not in work:
            problems.append(f"{name}: neither a work queue nor a dead-letter queue")
    for name in sorted(dead_letters):
        depth = _alarms_on(
            template,
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            {"Fn::GetAtt": [name, "QueueName"]},
        )
        if not any(_fires_on_any(alarm) for _, alarm in depth):
            problems.append(f"{name}: no depth alarm (dead letters of {dead_letters[name]})")
    for name in sorted(work):
        if name not in queues:
            continue
        if "RedrivePolicy" not in _properties(queues[name]):
            problems.append(f"{name}: a work queue without a dead-letter queue")
        age = _alarms_on(
            template,
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            "QueueName",
            {"Fn::GetAtt": [name, "QueueName"]},
        )
        if not age:
            problems.append(f"{name}: no age alarm")
        for alarm_name, alarm in age:
            threshold = float(alarm.get("Threshold", 0))
            visibility = float(_properties(queues[name]).get("VisibilityTimeout", 30))
            # Above one retry's wait (a failed message waits out its visibility timeout),
            # below a day: a stuck queue is heard of the same day.
            if not visibility <= threshold <= 86400:
                problems.append(f"{alarm_name}: age threshold {threshold:g} s is not sensible")

    # Warta's own metrics, as powertools emits them (namespace, dimension service).
    variables = template.get("Globals", {}).get("Function", {}).get("Environment", {})
    variables = variables.get("Variables", {})
    if variables.get("POWERTOOLS_METRICS_NAMESPACE") != NAMESPACE:
        problems.append("functions do not emit metrics under the Warta namespace")
    if variables.get("POWERTOOLS_SERVICE_NAME") != SERVICE:
        problems.append("functions do not emit metrics with service=warta")
    for metric in OWN_METRICS:
        alarms = _alarms_on(template, NAMESPACE, metric, "service", SERVICE)
        if not any(_fires_on_any(alarm) for _, alarm in alarms):
            problems.append(f"{metric}: no alarm")

    # Scheduled functions: what the Scheduler could not deliver, and runs that failed.
    for name, function in functions.items():
        for event in _scheduled_events(function):
            target = _getatt((event.get("DeadLetterConfig") or {}).get("Arn"), "Arn")
            if target not in queues:
                problems.append(f"{name}: no Scheduler DeadLetterConfig on one of our queues")
            if "MaximumRetryAttempts" not in (event.get("RetryPolicy") or {}):
                problems.append(f"{name}: no Scheduler RetryPolicy")
        if _scheduled_events(function):
            invoke = _properties(function).get("EventInvokeConfig") or {}
            failure = (invoke.get("DestinationConfig") or {}).get("OnFailure") or {}
            target = _getatt(failure.get("Destination"), "Arn")
            if failure.get("Type") != "SQS" or target not in queues:
                problems.append(f"{name}: no EventInvokeConfig OnFailure queue")
            if "MaximumRetryAttempts" not in invoke:
                problems.append(f"{name}: no EventInvokeConfig MaximumRetryAttempts")

    # The table: kept, and protected from deletion.
    for name, table in _resources(template, "AWS::DynamoDB::Table").items():
        if _properties(table).get("DeletionProtectionEnabled") is not True:
            problems.append(f"{name}: no deletion protection")
        if table.get("DeletionPolicy") != "Retain" or table.get("UpdateReplacePolicy") != "Retain":
            problems.append(f"{name}: not retained when the stack goes")

    # Logs: each function its own group, with a retention.
    groups = _resources(template, "AWS::Logs::LogGroup")
    used: list[str] = []
    for name, function in functions.items():
        group = _ref((_properties(function).get("LoggingConfig") or {}).get("LogGroup"))
        if group not in groups:
            problems.append(f"{name}: no log group of its own")
            continue
        used.append(group)
        if not _properties(groups[group]).get("RetentionInDays"):
            problems.append(f"{group}: no retention (logs of {name})")
    if len(used) != len(set(used)):
        problems.append("functions share a log group")

    # Permissions: nothing on every resource but the listed exceptions.
    for owner, statement in _every_statement(template):
        everywhere = "NotResource" in statement or any(
            _is_every_resource(r) for r in _as_list(statement.get("Resource", []))
        )
        if everywhere:
            for action in _as_list(statement.get("Action", [])):
                if action not in RESOURCE_WILDCARD_EXCEPTIONS:
                    problems.append(f"{owner}: {action} on every resource")
    for name, services in FORBIDDEN_SERVICES.items():
        if name not in functions:
            problems.append(f"{name}: missing")
            continue
        for action in sorted(_function_actions(template, name)):
            if action.split(":", 1)[0] in services:
                problems.append(f"{name}: may use {action}")
    return problems


# -- the real template --------------------------------------------------------------------


def test_the_template_has_every_operability_piece(template: dict[str, Any]) -> None:
    assert operability_problems(template) == []


def test_the_alarmed_metrics_are_the_ones_warta_emits() -> None:
    steps = STEPS.read_text(encoding="utf-8")
    for metric in OWN_METRICS:
        assert f'count("{metric}"' in steps, metric
    observe = (STEPS.parent / "_observe.py").read_text(encoding="utf-8")
    assert f'NAMESPACE = "{NAMESPACE}"' in observe
    assert f'SERVICE = "{SERVICE}"' in observe


def test_every_dead_letter_queue_is_found(template: dict[str, Any]) -> None:
    # The checker knows every kind of dead-letter queue the template has.
    assert set(_dead_letter_queues(template)) == {
        "IngestDeadLetterQueue",
        "AlertDeadLetterQueue",
        "DigestDeadLetterQueue",
        "ScheduleSchedulerDeadLetterQueue",
        "ScheduleFailureQueue",
        "DigestPlanSchedulerDeadLetterQueue",
        "DigestPlanFailureQueue",
        "BounceDeadLetterQueue",
    }
    assert _work_queues(template) == {"IngestQueue", "AlertQueue", "DigestQueue", "BounceQueue"}


def test_the_alarm_email_falls_back_to_the_admin_and_is_optional(
    template: dict[str, Any],
) -> None:
    parameter = template["Parameters"]["AlarmEmail"]
    assert parameter["Default"] == ""
    (subscription,) = _resources(template, "AWS::SNS::Subscription").values()
    assert subscription["Condition"] == "HasAlarmRecipient"
    assert subscription["Properties"]["Endpoint"] == {
        "Fn::If": ["HasAlarmEmail", {"Ref": "AlarmEmail"}, {"Ref": "AdminEmail"}]
    }
    assert template["Conditions"]["HasAlarmRecipient"] == {
        "Fn::Or": [{"Condition": "HasAlarmEmail"}, {"Condition": "HasAdminEmail"}]
    }


def test_log_retention_and_web_concurrency_are_parameters(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    assert parameters["LogRetentionDays"]["Default"] == 90
    for group in _resources(template, "AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert parameters["WebReservedConcurrency"]["Default"] == 5
    web = template["Resources"]["WebFunction"]["Properties"]
    assert web["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "HasWebReservedConcurrency",
            {"Ref": "WebReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }


def test_the_only_grant_on_every_resource_is_sms_to_phone_numbers(
    template: dict[str, Any],
) -> None:
    everywhere = [
        (owner, statement)
        for owner, statement in _every_statement(template)
        if "NotResource" in statement
        or any(_is_every_resource(r) for r in _as_list(statement.get("Resource", [])))
    ]
    assert [(owner, statement["Action"]) for owner, statement in everywhere] == [
        ("SendMailPolicy", "ses:GetAccount"),
        ("AlertsFunction", "sns:Publish"),
        ("BouncesFunction", "ses:PutSuppressedDestination"),
    ]
    # Narrowed to everything that is not a topic: phone numbers only.
    assert everywhere[1][1]["NotResource"] == {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}


# -- each check catches its piece missing ----------------------------------------------------

Change = Callable[[dict[str, Any]], None]


def _delete(name: str) -> Change:
    def change(template: dict[str, Any]) -> None:
        del template["Resources"][name]

    return change


def _set(path: str, value: Any) -> Change:
    """Set (or, with value None, delete) Resources.<path>, dot separated."""

    def change(template: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = template["Resources"]
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value

    return change


def _add_policy(function: str, policy: Any) -> Change:
    def change(template: dict[str, Any]) -> None:
        template["Resources"][function]["Properties"]["Policies"].append(policy)

    return change


def _add_queue(template: dict[str, Any]) -> None:
    template["Resources"]["StrayQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}


def _unsubscribe(template: dict[str, Any]) -> None:
    for name in list(_resources(template, "AWS::SNS::Subscription")):
        del template["Resources"][name]


def _alarm_depth_of_another_queue(template: dict[str, Any]) -> None:
    dimensions = template["Resources"]["AlertDeadLetterAlarm"]["Properties"]["Dimensions"]
    dimensions[0]["Value"] = {"Fn::GetAtt": ["AlertQueue", "QueueName"]}


def _redrive_to_a_new_queue(template: dict[str, Any]) -> None:
    template["Resources"]["SpareDeadLetterQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    redrive = template["Resources"]["IngestQueue"]["Properties"]["RedrivePolicy"]
    redrive["deadLetterTargetArn"] = {"Fn::GetAtt": ["SpareDeadLetterQueue", "Arn"]}


READ = ["dynamodb:GetItem"]
MISSING: list[tuple[str, Change, str]] = [
    # alarms on functions
    ("web errors", _delete("WebErrorsAlarm"), "WebFunction: no Errors alarm"),
    ("ingest throttles", _delete("IngestThrottlesAlarm"), "IngestFunction: no Throttles alarm"),
    ("bounces errors", _delete("BouncesErrorsAlarm"), "BouncesFunction: no Errors alarm"),
    # dead letters of every kind
    ("redrive", _delete("AlertDeadLetterAlarm"), "AlertDeadLetterQueue: no depth alarm"),
    ("bounce redrive", _delete("BounceDeadLetterAlarm"), "BounceDeadLetterQueue: no depth alarm"),
    ("wrong queue", _alarm_depth_of_another_queue, "AlertDeadLetterQueue: no depth alarm"),
    ("new redrive", _redrive_to_a_new_queue, "SpareDeadLetterQueue: no depth alarm"),
    (
        "scheduler dlq",
        _delete("ScheduleSchedulerDeadLetterAlarm"),
        "ScheduleSchedulerDeadLetterQueue: no depth alarm",
    ),
    ("on-failure", _delete("DigestPlanFailureAlarm"), "DigestPlanFailureQueue: no depth alarm"),
    ("stray queue", _add_queue, "StrayQueue: neither a work queue nor a dead-letter queue"),
    # work queues
    ("age", _delete("DigestQueueAgeAlarm"), "DigestQueue: no age alarm"),
    ("bounce age", _delete("BounceQueueAgeAlarm"), "BounceQueue: no age alarm"),
    (
        "age threshold",
        _set("AlertQueueAgeAlarm.Properties.Threshold", 60),
        "AlertQueueAgeAlarm: age threshold 60 s is not sensible",
    ),
    ("redrive gone", _set("AlertQueue.Properties.RedrivePolicy", None), "AlertQueue: a work"),
    # Warta's metrics
    ("alerts failed", _delete("AlertsFailedAlarm"), "AlertsFailed: no alarm"),
    ("digests failed", _delete("DigestsFailedAlarm"), "DigestsFailed: no alarm"),
    ("source problems", _delete("SourceProblemsAlarm"), "SourceProblems: no alarm"),
    (
        "dimension",
        _set("DigestsFailedAlarm.Properties.Dimensions", [{"Name": "service", "Value": "x"}]),
        "DigestsFailed: no alarm",
    ),
    # who hears of it
    (
        "actions",
        _set("WebThrottlesAlarm.Properties.AlarmActions", []),
        "WebThrottlesAlarm: AlarmActions do not go to the alarm topic",
    ),
    (
        "ok actions",
        _set("IngestDeadLetterAlarm.Properties.OKActions", [{"Ref": "OtherTopic"}]),
        "IngestDeadLetterAlarm: OKActions do not go to the alarm topic",
    ),
    (
        "missing data",
        _set("AlertsErrorsAlarm.Properties.TreatMissingData", "breaching"),
        "AlertsErrorsAlarm: missing data is not treated as notBreaching",
    ),
    (
        "threshold",
        _set("AlertsFailedAlarm.Properties.Threshold", 10),
        "AlertsFailedAlarm: does not fire on the first one",
    ),
    ("topic", _delete("AlarmTopic"), "no AlarmTopic SNS topic"),
    ("subscription", _unsubscribe, "AlarmTopic: no email subscription"),
    # scheduled functions
    (
        "scheduler dead letters",
        _set("ScheduleFunction.Properties.Events.Every15Minutes.Properties.DeadLetterConfig", None),
        "ScheduleFunction: no Scheduler DeadLetterConfig",
    ),
    (
        "scheduler retries",
        _set("DigestPlanFunction.Properties.Events.Hourly.Properties.RetryPolicy", None),
        "DigestPlanFunction: no Scheduler RetryPolicy",
    ),
    (
        "on-failure destination",
        _set("DigestPlanFunction.Properties.EventInvokeConfig", None),
        "DigestPlanFunction: no EventInvokeConfig OnFailure queue",
    ),
    (
        "async retries",
        _set("ScheduleFunction.Properties.EventInvokeConfig.MaximumRetryAttempts", None),
        "ScheduleFunction: no EventInvokeConfig MaximumRetryAttempts",
    ),
    # the table
    (
        "deletion protection",
        _set("Table.Properties.DeletionProtectionEnabled", None),
        "Table: no deletion protection",
    ),
    ("retain", _set("Table.DeletionPolicy", "Delete"), "Table: not retained"),
    # logs
    (
        "log group",
        _set("AlertsFunction.Properties.LoggingConfig", None),
        "AlertsFunction: no log group of its own",
    ),
    (
        "retention",
        _set("WebLogGroup.Properties.RetentionInDays", None),
        "WebLogGroup: no retention (logs of WebFunction)",
    ),
    (
        "shared group",
        _set("WebFunction.Properties.LoggingConfig.LogGroup", {"Ref": "AlertsLogGroup"}),
        "functions share a log group",
    ),
    # permissions
    (
        "star",
        _add_policy(
            "DigestPlanFunction",
            {"Statement": [{"Effect": "Allow", "Action": READ, "Resource": "*"}]},
        ),
        "DigestPlanFunction: dynamodb:GetItem on every resource",
    ),
    (
        "not resource",
        _add_policy(
            "IngestFunction",
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": READ,
                        "NotResource": "arn:aws:dynamodb:*:*:table/x",
                    }
                ]
            },
        ),
        "IngestFunction: dynamodb:GetItem on every resource",
    ),
    (
        "web queue",
        _add_policy("WebFunction", {"SQSSendMessagePolicy": {"QueueName": "x"}}),
        "WebFunction: may use sqs:SQSSendMessagePolicy",
    ),
    (
        "web sms",
        _add_policy(
            "WebFunction",
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:sns:x:1:t"}
                ]
            },
        ),
        "WebFunction: may use sns:Publish",
    ),
    (
        "ingest mail",
        _add_policy("IngestFunction", {"Ref": "SendMailPolicy"}),
        "IngestFunction: may use ses:SendEmail",
    ),
    (
        "bounces queue",
        _add_policy("BouncesFunction", {"SQSSendMessagePolicy": {"QueueName": "x"}}),
        "BouncesFunction: may use sqs:SQSSendMessagePolicy",
    ),
    (
        "bounce rate threshold",
        _set("BounceRateAlarm.Properties.MetricName", "Reputation.Other"),
        "BounceRateAlarm: does not fire on the first one",
    ),
    (
        "ingest ses template",
        _add_policy("IngestFunction", {"SESCrudPolicy": {"IdentityName": "x"}}),
        "IngestFunction: may use ses:SESCrudPolicy",
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [pytest.param(change, expected, id=label) for label, change, expected in MISSING],
)
def test_the_checker_reports_a_missing_piece(
    template: dict[str, Any], change: Change, expected: str
) -> None:
    change(template)
    problems = operability_problems(template)
    assert any(p.startswith(expected) for p in problems), problems
