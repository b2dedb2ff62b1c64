"""The SAM template in infra/ against cfn-lint and against the code it deploys.

cfn-lint runs the SAM translator itself, so a template it passes is one
`sam deploy` can transform; the other tests pin what a linter cannot know: the
table's shape is the store's, every handler names a module of the package,
every queue has somewhere for poison messages to go, and each function's
permissions stop at its own resources.
"""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import cfnlint.api
import pytest
from cfnlint.decode import decode

from warta.adapters import dynamodb_store
from warta.services.alerts import SENDERS as ALERT_SENDERS

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "infra" / "template.yaml"
FUNCTIONS = REPO / "functions"

# Handler of each function, and how it is triggered: the names the code is written against.
EXPECTED_FUNCTIONS = {
    "ScheduleFunction": ("warta.handlers.schedule.handler", "ScheduleV2"),
    "IngestFunction": ("warta.handlers.ingest.handler", "SQS"),
    "AlertsFunction": ("warta.handlers.alerts.handler", "SQS"),
    "DigestPlanFunction": ("warta.handlers.digest_plan.handler", "ScheduleV2"),
    "DigestSendFunction": ("warta.handlers.digest_send.handler", "SQS"),
    "WebFunction": ("warta.handlers.web.handler", None),
    "BouncesFunction": ("warta.handlers.bounces.handler", "SQS"),
}

# What the handlers read from the environment; every function gets all of it.
ENVIRONMENT = {
    "WARTA_TABLE",
    "WARTA_INGEST_QUEUE_URL",
    "WARTA_ALERT_QUEUE_URL",
    "WARTA_DIGEST_QUEUE_URL",
    "WARTA_SECRET_PARAMETER",
    "WARTA_SENDER",
    "WARTA_PUBLIC_URL",
    "WARTA_ADMIN_EMAIL",
    "WARTA_SES_CONFIGURATION_SET",
    "WARTA_SMS_SENDER_ID",
    "WARTA_SOURCES",
    "WARTA_DIGEST_SENDERS",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "LOG_LEVEL",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, problems = decode(str(TEMPLATE))
    assert not problems, [str(p) for p in problems]
    assert decoded is not None
    return dict(decoded)


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return _resources(template, "AWS::Serverless::Function")


def _timeout(template: dict[str, Any], function: dict[str, Any]) -> int:
    return int(function["Properties"].get("Timeout", template["Globals"]["Function"]["Timeout"]))


def _getatt_target(value: Any, attribute: str) -> str:
    """The logical id in `!GetAtt Id.<attribute>`."""
    assert isinstance(value, dict) and "Fn::GetAtt" in value, value
    name, got = value["Fn::GetAtt"]
    assert got == attribute, value
    return str(name)


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every IAM statement written in the template: managed policies and inline ones."""
    found: list[dict[str, Any]] = []

    def add(statement: Any) -> None:
        if isinstance(statement, dict) and "Fn::If" in statement:
            # A conditional statement: the statement itself, or AWS::NoValue.
            add(statement["Fn::If"][1])
        elif isinstance(statement, dict) and "Effect" in statement:
            found.append(statement)

    for policy in _resources(template, "AWS::IAM::ManagedPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            add(statement)
    for function in _functions(template).values():
        for policy in function["Properties"].get("Policies", []):
            if isinstance(policy, dict) and "Statement" in policy:
                for statement in policy["Statement"]:
                    add(statement)
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# -- the linter ----------------------------------------------------------------


def test_cfn_lint_finds_nothing_in_the_regions_warta_is_meant_for() -> None:
    # Jakarta first; Singapore and N. Virginia as the usual fall-backs for SES and SMS.
    config = cfnlint.api.ManualArgs(
        regions=["ap-southeast-3", "ap-southeast-1", "us-east-1"], include_checks=["I"]
    )
    matches = cfnlint.api.lint_file(TEMPLATE, config=config)
    assert [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches] == []


# -- the table is the store's ----------------------------------------------------


def test_table_matches_the_stores_table_definition(template: dict[str, Any]) -> None:
    (table,) = _resources(template, "AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    expected = dynamodb_store.table_definition("any")
    for key in ("BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes"):
        assert properties[key] == expected[key], key
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": dynamodb_store.TTL_ATTRIBUTE,
        "Enabled": True,
    }
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    # Subscribers and the sent ledger must survive a deleted or replaced stack.
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_table_uses_the_stores_key_constants(template: dict[str, Any]) -> None:
    (table,) = _resources(template, "AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    assert [k["AttributeName"] for k in properties["KeySchema"]] == [
        dynamodb_store.PK,
        dynamodb_store.SK,
    ]
    indexes = {
        index["IndexName"]: [k["AttributeName"] for k in index["KeySchema"]]
        for index in properties["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        dynamodb_store.GSI1: [dynamodb_store.GSI1_PK, dynamodb_store.GSI1_SK],
        dynamodb_store.GSI2: [dynamodb_store.GSI2_PK, dynamodb_store.GSI2_SK],
    }


# -- the functions are the package's ---------------------------------------------


def test_the_template_deploys_exactly_the_seven_functions(template: dict[str, Any]) -> None:
    functions = _functions(template)
    assert {name: f["Properties"]["Handler"] for name, f in functions.items()} == {
        name: handler for name, (handler, _) in EXPECTED_FUNCTIONS.items()
    }


@pytest.mark.parametrize("name", sorted(EXPECTED_FUNCTIONS))
def test_handler_names_a_module_of_the_package_that_defines_it(
    template: dict[str, Any], name: str
) -> None:
    handler = _functions(template)[name]["Properties"]["Handler"]
    module, _, attribute = handler.rpartition(".")
    assert re.fullmatch(r"warta\.handlers\.[a-z_]+", module), handler
    path = FUNCTIONS / Path(*module.split(".")).with_suffix(".py")
    assert path.is_file(), f"{handler}: {path.relative_to(REPO)} is missing"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defined = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    } | {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert attribute in defined, f"{path.relative_to(REPO)} defines no {attribute}"


@pytest.mark.parametrize("name", sorted(EXPECTED_FUNCTIONS))
def test_function_is_triggered_the_way_its_handler_expects(
    template: dict[str, Any], name: str
) -> None:
    properties = _functions(template)[name]["Properties"]
    _, trigger = EXPECTED_FUNCTIONS[name]
    kinds = [event["Type"] for event in properties.get("Events", {}).values()]
    assert kinds == ([trigger] if trigger else [])
    if name == "WebFunction":
        # Anyone with a link must reach the unsubscribe pages, without an AWS signature.
        assert properties["FunctionUrlConfig"]["AuthType"] == "NONE"


def test_every_function_is_built_from_one_bundle_for_arm64(template: dict[str, Any]) -> None:
    globals_ = template["Globals"]["Function"]
    assert globals_["CodeUri"] == "../functions"
    assert globals_["Architectures"] == ["arm64"]
    assert globals_["Runtime"] == "python3.11"
    for name, function in _functions(template).items():
        assert function["Metadata"] == {"BuildMethod": "makefile"}, name
        assert "CodeUri" not in function["Properties"], name
    # The Makefile's wheels must be for the architecture the functions run on.
    assert "PLATFORM ?= manylinux2014_aarch64" in (FUNCTIONS / "Makefile").read_text()


@pytest.mark.parametrize("name", sorted(EXPECTED_FUNCTIONS))
def test_makefile_builds_every_function_with_its_templates(name: str, tmp_path: Path) -> None:
    # A dry run: make prints the recipe without fetching anything.
    done = subprocess.run(
        ["make", "-n", "-f", str(FUNCTIONS / "Makefile"), f"build-{name}",
         f"ARTIFACTS_DIR={tmp_path}"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f'cp "{REPO}/templates/"* "{tmp_path}/warta/templates/"' in done.stdout
    assert f'-r "{FUNCTIONS}/requirements.lock"' in done.stdout


def test_sources_are_queued_every_15_minutes_and_the_digest_planned_every_hour(
    template: dict[str, Any],
) -> None:
    functions = _functions(template)
    (tick,) = functions["ScheduleFunction"]["Properties"]["Events"].values()
    assert tick["Properties"]["ScheduleExpression"] == "rate(15 minutes)"
    (hourly,) = functions["DigestPlanFunction"]["Properties"]["Events"].values()
    # At minute 0 of every hour: a subscriber's hour is in their own zone (core.slots).
    assert hourly["Properties"]["ScheduleExpression"] == "cron(0 * * * ? *)"
    assert "ScheduleExpressionTimezone" not in hourly["Properties"]
    assert not {"DigestHour", "ScheduleTimezone"} & set(template["Parameters"])


def test_the_senders_sharing_ses_rate_are_the_ones_the_code_divides_it_by(
    template: dict[str, Any],
) -> None:
    events = dict(_sqs_events(template))
    digest = events["DigestSendFunction"]["ScalingConfig"]["MaximumConcurrency"]
    assert digest == {"Ref": "DigestSenders"}
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["WARTA_DIGEST_SENDERS"] == {"Ref": "DigestSenders"}
    senders = template["Parameters"]["DigestSenders"]
    assert (senders["Default"], senders["MinValue"]) == (2, 2)  # SQS's least concurrency
    alerts = events["AlertsFunction"]["ScalingConfig"]["MaximumConcurrency"]
    assert alerts == ALERT_SENDERS  # warta.services.alerts.SENDERS


def test_every_function_gets_the_settings_the_code_reads(template: dict[str, Any]) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert set(variables) == ENVIRONMENT
    assert variables["POWERTOOLS_SERVICE_NAME"] == "warta"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Warta"
    for name, function in _functions(template).items():
        own = function["Properties"].get("Environment", {}).get("Variables", {})
        assert set(own) <= ENVIRONMENT, name


# -- queues ----------------------------------------------------------------------


def _sqs_events(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, event["Properties"])
        for name, function in _functions(template).items()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    ]


def test_four_queues_feed_four_workers(template: dict[str, Any]) -> None:
    queues = {_getatt_target(properties["Queue"], "Arn") for _, properties in _sqs_events(template)}
    assert queues == {"IngestQueue", "AlertQueue", "DigestQueue", "BounceQueue"}


@pytest.mark.parametrize(
    "function", ["IngestFunction", "AlertsFunction", "DigestSendFunction", "BouncesFunction"]
)
def test_sqs_worker_has_a_dead_letter_queue_and_a_long_enough_visibility_timeout(
    template: dict[str, Any], function: str
) -> None:
    ((_, event),) = [(n, p) for n, p in _sqs_events(template) if n == function]
    # A failed message goes back alone, not with the whole batch.
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queues = _resources(template, "AWS::SQS::Queue")
    queue = queues[_getatt_target(event["Queue"], "Arn")]["Properties"]
    timeout = _timeout(template, _functions(template)[function])
    # AWS's advice for Lambda consumers: six times the function timeout, plus any batching window.
    window = int(event.get("MaximumBatchingWindowInSeconds", 0))
    assert queue["VisibilityTimeout"] >= 6 * timeout + window
    redrive = queue["RedrivePolicy"]
    assert 1 <= redrive["maxReceiveCount"] <= 10
    dead_letters = queues[_getatt_target(redrive["deadLetterTargetArn"], "Arn")]["Properties"]
    assert "RedrivePolicy" not in dead_letters
    # A dead letter outlives the message it was: SQS keeps a message's first enqueue time.
    assert dead_letters["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]


# -- secrets and permissions ---------------------------------------------------


SECRET_LOOKING = [
    re.compile(r"AKIA[0-9A-Z]{16}"),  # an access key id
    re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"),  # a secret access key
    re.compile(r"\b[0-9a-fA-F]{32,}\b"),  # a hex token, such as a signing secret
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
]


def test_template_holds_no_secret_looking_literal() -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    for pattern in SECRET_LOOKING:
        assert not pattern.search(text), pattern.pattern


def test_the_signing_secret_is_named_never_given(template: dict[str, Any]) -> None:
    scopes = {"Globals": template["Globals"]["Function"]} | {
        name: function["Properties"] for name, function in _functions(template).items()
    }
    for name, properties in scopes.items():
        variables = properties.get("Environment", {}).get("Variables", {})
        assert "WARTA_SECRET" not in variables, name
    parameter = template["Parameters"]["SecretParameterName"]
    assert parameter["Type"] == "String"
    assert template["Globals"]["Function"]["Environment"]["Variables"][
        "WARTA_SECRET_PARAMETER"
    ] == {"Ref": "SecretParameterName"}


# Actions with no resource of their own: IAM can grant them only on "*".
NO_RESOURCE_ACTIONS = {"ses:PutSuppressedDestination", "ses:GetAccount"}


def test_no_statement_allows_every_resource(template: dict[str, Any]) -> None:
    for statement in _statements(template):
        assert statement["Effect"] == "Allow"
        if "NotResource" in statement:
            continue
        for resource in _as_list(statement["Resource"]):
            if resource == "*":
                assert set(_as_list(statement["Action"])) <= NO_RESOURCE_ACTIONS, statement
                continue
            text = resource.get("Fn::Sub", "") if isinstance(resource, dict) else resource
            text = text[0] if isinstance(text, list) else text
            if text.endswith("/*"):
                # A wildcard over one kind of resource only with conditions narrowing it.
                assert statement.get("Condition"), statement


def _function_policies(template: dict[str, Any], name: str) -> list[Any]:
    return list(_functions(template)[name]["Properties"]["Policies"])


# What each function's steps call on the table (warta.adapters.dynamodb_store names the
# call behind each store method), by what they call it on: the table or one of its indexes.
TABLE_ACCESS: dict[str, dict[str, set[str]]] = {
    # due sources, source health under ledger claims; the sweeps read stories and the
    # subscribers of a digest slot
    "ScheduleFunction": {
        "table": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
        dynamodb_store.GSI1: {"Query"},
    },
    # items, stories, near-duplicate bands (batch write, base-table query), alert-queued marks
    "IngestFunction": {
        "table": {"GetItem", "PutItem", "UpdateItem", "BatchWriteItem", "Query"},
    },
    # the story, officials page by page, sends under ledger claims
    "AlertsFunction": {
        "table": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
        dynamodb_store.GSI2: {"Query"},
    },
    # the slots' ledger lines claimed together (batch read, transaction of puts), recorded
    # and given back; a slot's subscribers page by page; every active subscriber to reindex
    "DigestPlanFunction": {
        "table": {"BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"},
        dynamodb_store.GSI1: {"Query"},
        dynamodb_store.GSI2: {"Query"},
    },
    # the day's stories, the batch's subscribers, sends under ledger claims
    "DigestSendFunction": {
        "table": {"BatchGetItem", "GetItem", "PutItem", "UpdateItem", "DeleteItem"},
        dynamodb_store.GSI1: {"Query"},
    },
    # a subscriber or official read and written back; a sign-up's mail under a ledger
    # claim, and the ledger lines that count sign-ups
    "WebFunction": {"table": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"}},
    # a subscriber or official suppressed, each event applied once (its ledger line);
    # the officials paged through when a report does not name its recipient
    "BouncesFunction": {
        "table": {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
        dynamodb_store.GSI2: {"Query"},
    },
}

# The only conditions a table statement may carry: which partition keys it reaches.
LEADING_KEYS = "ForAllValues:StringLike"


def _table_access(template: dict[str, Any], name: str) -> dict[str, set[str]]:
    """The DynamoDB actions one function's own statements allow, by table or index."""
    found: dict[str, set[str]] = {}
    for policy in _function_policies(template, name):
        if not isinstance(policy, dict):
            continue
        for key in policy:
            # No SAM policy template for DynamoDB: they all grant more than a step needs.
            assert not key.startswith("DynamoDB"), (name, key)
        for statement in policy.get("Statement", []):
            actions = _as_list(statement["Action"])
            dynamo = [a for a in actions if a.startswith("dynamodb:")]
            if not dynamo:
                continue
            assert dynamo == actions, statement  # table statements grant nothing else
            assert "NotResource" not in statement, statement
            # A condition may only narrow the rows reached (dynamodb:LeadingKeys).
            assert set(statement.get("Condition", {})) <= {LEADING_KEYS}, statement
            for condition in statement.get("Condition", {}).values():
                assert set(condition) == {"dynamodb:LeadingKeys"}, statement
            for resource in _as_list(statement["Resource"]):
                if resource == {"Fn::GetAtt": ["Table", "Arn"]}:
                    target = "table"
                else:
                    match = re.fullmatch(r"\$\{Table\.Arn\}/index/([a-z0-9]+)", resource["Fn::Sub"])
                    assert match, resource
                    target = match.group(1)
                found.setdefault(target, set()).update(a.split(":", 1)[1] for a in dynamo)
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED_FUNCTIONS))
def test_every_function_reads_the_table_and_the_one_secret_parameter(
    template: dict[str, Any], name: str
) -> None:
    policies = _function_policies(template, name)
    # Exactly the calls its steps make, on the table or the index they make them on.
    assert _table_access(template, name) == TABLE_ACCESS[name]
    assert {"Ref": "SecretReadPolicy"} in policies


@pytest.mark.parametrize(
    ("name", "queues"),
    [
        # The due sources; its sweeps queue lost alerts again and plan unfinished editions again.
        ("ScheduleFunction", ["IngestQueue", "AlertQueue", "DigestQueue"]),
        ("IngestFunction", ["AlertQueue"]),
        # Its stories' batches, and what a batch short of time hands back.
        ("AlertsFunction", ["AlertQueue"]),
        ("DigestPlanFunction", ["DigestQueue"]),
        ("DigestSendFunction", []),
        ("WebFunction", []),
        ("BouncesFunction", []),
    ],
)
def test_function_sends_only_to_the_queue_it_feeds(
    template: dict[str, Any], name: str, queues: list[str]
) -> None:
    sends = [
        _getatt_target(policy["SQSSendMessagePolicy"]["QueueName"], "QueueName")
        for policy in _function_policies(template, name)
        if isinstance(policy, dict) and "SQSSendMessagePolicy" in policy
    ]
    assert sends == queues


@pytest.mark.parametrize(
    ("name", "mail", "sms"),
    [
        ("ScheduleFunction", True, False),
        # Ingest reads feeds from the internet and sends nothing.
        ("IngestFunction", False, False),
        ("AlertsFunction", True, True),
        ("DigestPlanFunction", False, False),
        ("DigestSendFunction", True, False),
        # A sign-up's confirmation, a preferences link.
        ("WebFunction", True, False),
        ("BouncesFunction", False, False),
    ],
)
def test_only_senders_may_send_mail_or_sms(
    template: dict[str, Any], name: str, mail: bool, sms: bool
) -> None:
    policies = _function_policies(template, name)
    assert ({"Ref": "SendMailPolicy"} in policies) is mail
    inline = [s for p in policies if isinstance(p, dict) for s in p.get("Statement", [])]
    publishes = [s for s in inline if s["Action"] == "sns:Publish"]
    assert bool(publishes) is sms
    for statement in publishes:
        # Straight to phone numbers: every topic is outside what it may publish to.
        assert statement["NotResource"] == {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}


def test_secret_policy_reads_one_parameter_and_decrypts_only_through_ssm(
    template: dict[str, Any],
) -> None:
    policy = template["Resources"]["SecretReadPolicy"]["Properties"]["PolicyDocument"]
    read, decrypt = policy["Statement"]
    assert read["Action"] == "ssm:GetParameter"
    assert read["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${SecretParameterName}"
    }
    assert decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"}}
    }
    # The parameter's ARN is built as "parameter" + name: the name must start with "/".
    assert template["Parameters"]["SecretParameterName"]["AllowedPattern"].startswith("^/")


def test_mail_policy_sends_only_as_the_sender_identity(template: dict[str, Any]) -> None:
    policy = template["Resources"]["SendMailPolicy"]["Properties"]["PolicyDocument"]
    identity, rate, sandbox = policy["Statement"]
    # The account's send rate, which each sender keeps to its share of (warta.wiring).
    assert (rate["Action"], rate["Resource"]) == ("ses:GetAccount", "*")
    assert identity["Action"] == ["ses:SendEmail", "ses:SendRawEmail"]
    prefix = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:"
    address, domain, configuration_set = identity["Resource"]
    assert address == {"Fn::Sub": prefix + "identity/${SenderAddress}"}
    assert domain["Fn::Sub"][0] == prefix + "identity/${Domain}"
    assert domain["Fn::Sub"][1]["Domain"] == {
        "Fn::Select": [1, {"Fn::Split": ["@", {"Ref": "SenderAddress"}]}]
    }
    # Every send names the stack's own configuration set.
    assert configuration_set == {"Fn::Sub": prefix + "configuration-set/${MailConfigurationSet}"}
    # The sandbox statement exists only while recipients are listed, and only for them.
    condition, statement, otherwise = sandbox["Fn::If"]
    assert (condition, otherwise) == ("HasSandboxRecipients", {"Ref": "AWS::NoValue"})
    assert statement["Condition"] == {
        "ForAllValues:StringEquals": {"ses:Recipients": {"Ref": "SesSandboxRecipients"}},
        "StringEquals": {"ses:FromAddress": {"Ref": "SenderAddress"}},
    }


# -- what SES tells of the mail it sent ---------------------------------------------


def test_every_send_reports_its_bounces_complaints_and_deliveries_to_the_bounce_queue(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["WARTA_SES_CONFIGURATION_SET"] == {"Ref": "MailConfigurationSet"}
    configuration_set = resources["MailConfigurationSet"]["Properties"]
    assert configuration_set["SuppressionOptions"] == {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}

    (destination,) = _resources(template, "AWS::SES::ConfigurationSetEventDestination").values()
    assert destination["Properties"]["ConfigurationSetName"] == {"Ref": "MailConfigurationSet"}
    events = destination["Properties"]["EventDestination"]
    assert events["Enabled"] is True
    assert sorted(events["MatchingEventTypes"]) == ["bounce", "complaint", "delivery"]
    assert events["SnsDestination"] == {"TopicARN": {"Ref": "BounceTopic"}}
    assert destination["DependsOn"] == "BounceTopicPolicy"

    # The topic hands each event to the queue, as SNS's envelope (the handler reads both).
    (subscription,) = resources["BounceTopic"]["Properties"]["Subscription"]
    assert subscription == {"Protocol": "sqs", "Endpoint": {"Fn::GetAtt": ["BounceQueue", "Arn"]}}


def test_only_ses_of_this_account_feeds_the_topic_and_only_the_topic_the_queue(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    topic_policy = resources["BounceTopicPolicy"]["Properties"]
    assert topic_policy["Topics"] == [{"Ref": "BounceTopic"}]
    (publish,) = topic_policy["PolicyDocument"]["Statement"]
    assert publish["Principal"] == {"Service": "ses.amazonaws.com"}
    assert publish["Action"] == "sns:Publish"
    assert publish["Condition"]["StringEquals"] == {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}}

    queue_policy = resources["BounceQueuePolicy"]["Properties"]
    assert queue_policy["Queues"] == [{"Ref": "BounceQueue"}]
    (send,) = queue_policy["PolicyDocument"]["Statement"]
    assert send["Principal"] == {"Service": "sns.amazonaws.com"}
    assert send["Action"] == "sqs:SendMessage"
    assert send["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "BounceTopic"}}}


def test_the_bounces_function_reaches_only_subscriber_official_and_its_own_ledger_rows(
    template: dict[str, Any],
) -> None:
    from warta.services.feedback import LEDGER_KIND

    (statement,) = [
        s
        for p in _function_policies(template, "BouncesFunction")
        if isinstance(p, dict)
        for s in p.get("Statement", [])
        if s["Resource"] == {"Fn::GetAtt": ["Table", "Arn"]}
    ]
    patterns = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert all(p.endswith("*") and "*" not in p[:-1] for p in patterns), patterns
    prefixes = tuple(p.removesuffix("*") for p in patterns)

    def reached(key: dict[str, Any]) -> bool:
        return str(key[dynamodb_store.PK]["S"]).startswith(prefixes)

    # The partition keys the store writes those rows under, and no others.
    assert reached(dynamodb_store._subscriber_key("sub-0123"))
    assert reached(dynamodb_store._official_key("kpu-kediri"))
    assert reached(dynamodb_store._send_key(LEDGER_KIND, "bounce:0100", "sub-0123"))
    assert not reached(dynamodb_store._send_key("digest", "2026-11-28", "sub-0123"))
    assert not reached(dynamodb_store._story_key("st-0123"))
    assert not reached(dynamodb_store._source_key("kpu-ri"))


# -- the bundle's dependencies -------------------------------------------------


def _requirement_names(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0]
            found[name.lower().replace("_", "-")] = line
    return found


def test_bundle_requirements_are_the_projects_plus_powertools() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _requirement_names(project["dependencies"])
    bundle = _requirement_names(
        (FUNCTIONS / "requirements.txt").read_text(encoding="utf-8").splitlines()
    )
    assert bundle.pop("aws-lambda-powertools").startswith("aws-lambda-powertools>=3")
    # Same names and the same version ranges: the bundle never runs other code than the tests.
    assert bundle == runtime
    assert "boto3" not in bundle
