"""What each NATS user is meant to be allowed, written from the security rules (docs/security.md)
independently of the generator, over a fixed universe of probe subjects. The enumeration test
asks the real server about every probe and compares: a permission widened (or narrowed) in the
generated configuration makes it fail.

Names (durables, recipients, commands) come from the code; what each kind of user may do with
them is written here."""

from __future__ import annotations

from collections.abc import Iterable

from sanctuary.agency_access import AGENCY_USERS, allowed_subjects, command_subjects, view_reader
from sanctuary.deployconfig import KEY_VERBS, SERVICE_CONSUMERS, VIEWS_API_PREFIX, custodian_present
from services.reporting.monitoring.rebuild import WORKER_CONSUMERS
from shared.contracts.reporting import Recipient

SERVICES = ("referral", "assessment", "contractor", "reporting")
RECIPIENTS = tuple(r.value for r in Recipient)
OWNERS = (*SERVICES, "keys", "intruder")
STREAMS = (
    "CASES",
    "VIEWS",
    "DEADLETTER",
    "CHECKPOINTS",
    "KV_CASE_KEYS",
    "KV_CONTRACTOR_STAFF",
    "KV_READER_POSITIONS",
    "CAPTURE",
)
CONSUMERS = (
    *sorted({c for cs in SERVICE_CONSUMERS.values() for c in cs}),
    *WORKER_CONSUMERS,
    *RECIPIENTS,
    "intruder",
)
STREAM_OPS = ("CREATE", "UPDATE", "DELETE", "PURGE", "MSG.DELETE", "SNAPSHOT", "RESTORE", "INFO", "MSG.GET")
USERS = (
    *SERVICES,
    "keys",
    "operator",
    "admin",
    *AGENCY_USERS,
    "fire_control",
    *(view_reader(r) for r in Recipient),
)
CASE = "C-1"


def consumer_probes(stream: str, name: str) -> dict[str, str]:
    """The subjects that act on one consumer, by what they do."""
    return {
        "create": f"$JS.API.CONSUMER.CREATE.{stream}.{name}",
        "create filtered": f"$JS.API.CONSUMER.CREATE.{stream}.{name}.view.{name}.x",
        "durable create": f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{name}",
        "delete": f"$JS.API.CONSUMER.DELETE.{stream}.{name}",
        "info": f"$JS.API.CONSUMER.INFO.{stream}.{name}",
        "next": f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{name}",
        "ack": f"$JS.ACK.{stream}.{name}.1.1.1.1.1",
        "flow control": f"$JS.FC.{stream}.{name}.x",
    }


def kv(bucket: str, key: str) -> str:
    return f"$KV.{bucket}.{key}"


def publish_probes() -> list[str]:
    probes = [
        "$JS.API.INFO",
        "$JS.API.STREAM.NAMES",
        "$JS.API.STREAM.LIST",
        "$JS.API.ACCOUNT.PURGE.PLATFORM",
        "$JS.API.META.LEADER.STEPDOWN",
        "$SYS.REQ.SERVER.PING",
        "_INBOX.x",
        "query.fire.SanctuaryAddress",
        "query.fire.register",
        f"checkpoint.{CASE}",
        kv("CASE_KEYS", CASE),
        kv("CONTRACTOR_STAFF", "inst-1"),
        *(kv("READER_POSITIONS", f"{s}.r") for s in OWNERS),
        *(f"case.{CASE}.{owner}.SomethingHappened" for owner in OWNERS),
        *sorted(command_subjects()),
        *(f"health.{s}" for s in (*SERVICES, "keys")),
        *(f"view.{r}.{CASE}" for r in RECIPIENTS),
        *(f"deadletter.{c}" for c in CONSUMERS),
        *(f"keys.{s}.{verb}.{CASE}" for s in (*OWNERS, "operator") for verb in ("get", "create", "destroy")),
        *(f"_INBOX_{u}.x" for u in USERS),
    ]
    for stream in STREAMS:
        probes += [f"$JS.API.STREAM.{op}.{stream}" for op in STREAM_OPS]
        probes += [
            f"$JS.API.DIRECT.GET.{stream}",
            f"$JS.API.DIRECT.GET.{stream}.x",
            f"$JS.API.CONSUMER.CREATE.{stream}",  # unnamed: the name travels in the body
            f"$JS.API.CONSUMER.LIST.{stream}",
        ]
        for consumer in CONSUMERS:
            probes += consumer_probes(stream, consumer).values()
    probes += [f"$JS.API.DIRECT.GET.VIEWS.view.{r}.{CASE}" for r in RECIPIENTS]
    probes += [f"$JS.API.CONSUMER.CREATE.VIEWS.{r}.view.{r}.>" for r in RECIPIENTS]
    # What a recipient's account sees of PLATFORM's API (imported under a prefix), for every recipient.
    for r in RECIPIENTS:
        probes += [
            f"{VIEWS_API_PREFIX}.DIRECT.GET.VIEWS.view.{r}.{CASE}",
            f"{VIEWS_API_PREFIX}.CONSUMER.CREATE.VIEWS.{r}.view.{r}.x",
            f"{VIEWS_API_PREFIX}.CONSUMER.INFO.VIEWS.{r}",
            f"{VIEWS_API_PREFIX}.CONSUMER.MSG.NEXT.VIEWS.{r}",
            f"{VIEWS_API_PREFIX}.CONSUMER.DELETE.VIEWS.{r}",
            f"{VIEWS_API_PREFIX}.STREAM.PURGE.VIEWS",
        ]
    probes += [f"$JS.API.DIRECT.GET.KV_READER_POSITIONS.$KV.READER_POSITIONS.{s}.r" for s in OWNERS]
    return sorted(set(probes))


def subscribe_probes() -> list[str]:
    return sorted(
        {
            ">",
            "_INBOX.>",
            "cmd.>",
            "view.>",
            "case.>",
            "keys.>",
            "checkpoint.>",
            "deadletter.>",
            "health.*",
            "$JS.API.>",
            "$JS.EVENT.>",
            "$SYS.>",
            "query.fire.SanctuaryAddress",
            *(
                f"case.*.{s}.{e}"
                for s in SERVICES
                for e in ("SanctuaryAddressFlagged", "SanctuaryFlagRemoved")
            ),
            *(f"case.*.{s}.>" for s in OWNERS),
            *(f"cmd.{s}.>" for s in SERVICES),
            *(f"health.{s}" for s in (*SERVICES, "keys")),
            *(f"view.{r}.>" for r in RECIPIENTS),
            *(f"_INBOX_{u}.>" for u in USERS),
            *(f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.CASES.{c}" for c in CONSUMERS),
        }
    )


def _own_consumers(stream: str, names: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        probes = consumer_probes(stream, name)
        out |= set(probes.values())
    return out


def _direct(stream: str) -> set[str]:
    return {f"$JS.API.DIRECT.GET.{stream}", f"$JS.API.DIRECT.GET.{stream}.x"}


def service_publish(service: str, custodian: bool) -> set[str]:
    consumers = SERVICE_CONSUMERS[service]
    allowed = {
        f"case.{CASE}.{service}.SomethingHappened",
        "$JS.API.STREAM.INFO.CASES",
        *_direct("CASES"),
        "$JS.API.STREAM.INFO.DEADLETTER",
        *(f"deadletter.{c}" for c in consumers),
        *_own_consumers("CASES", consumers),
        "$JS.API.STREAM.INFO.KV_READER_POSITIONS",
        kv("READER_POSITIONS", f"{service}.r"),
        f"$JS.API.DIRECT.GET.KV_READER_POSITIONS.$KV.READER_POSITIONS.{service}.r",
        "$JS.API.STREAM.INFO.KV_CASE_KEYS",
        *_direct("KV_CASE_KEYS") - {"$JS.API.DIRECT.GET.KV_CASE_KEYS"},
    }
    if custodian:
        allowed |= {f"keys.{service}.{verb}.{CASE}" for verb in KEY_VERBS[service]}
    else:  # interim: the services keep the bucket themselves
        allowed.add("$JS.API.CONSUMER.CREATE.KV_CASE_KEYS")
        if service == "referral":  # it opens cases, so it makes their keys
            allowed.add(kv("CASE_KEYS", CASE))
        allowed |= {consumer_probes("KV_CASE_KEYS", c)["info"] for c in CONSUMERS}
        allowed |= {consumer_probes("KV_CASE_KEYS", c)["flow control"] for c in CONSUMERS}
        if service == "reporting":
            allowed.add("$JS.API.STREAM.MSG.DELETE.KV_CASE_KEYS")
    if service == "contractor":
        allowed |= {
            kv("CONTRACTOR_STAFF", "inst-1"),
            "$JS.API.STREAM.INFO.KV_CONTRACTOR_STAFF",
            "$JS.API.STREAM.MSG.GET.KV_CONTRACTOR_STAFF",
            *_direct("KV_CONTRACTOR_STAFF"),
        }
    if service == "reporting":
        allowed |= _own_consumers("CASES", WORKER_CONSUMERS)  # a rebuild's workers, one each
        allowed |= {f"view.{r}.{CASE}" for r in RECIPIENTS}
        allowed |= {"$JS.API.STREAM.INFO.VIEWS", "$JS.API.STREAM.PURGE.VIEWS", *_direct("VIEWS")}
        allowed |= {f"$JS.API.DIRECT.GET.VIEWS.view.{r}.{CASE}" for r in RECIPIENTS}
        allowed |= {f"checkpoint.{CASE}", "$JS.API.STREAM.INFO.CHECKPOINTS", *_direct("CHECKPOINTS")}
    return allowed


def service_subscribe(service: str) -> set[str]:
    allowed = {f"cmd.{service}.>", f"health.{service}", f"_INBOX_{service}.>"}
    if service == "assessment":
        allowed.add("query.fire.SanctuaryAddress")
        allowed |= {f"case.*.assessment.{e}" for e in ("SanctuaryAddressFlagged", "SanctuaryFlagRemoved")}
    return allowed


def intended(user: str, custodian: bool | None = None) -> tuple[set[str], set[str]]:
    """(publish probes allowed, subscribe probes allowed) for ``user``."""
    custodian = custodian_present() if custodian is None else custodian
    if user in SERVICES:
        return service_publish(user, custodian), service_subscribe(user)
    if user == "keys":
        return {
            f"case.{CASE}.keys.SomethingHappened",
            "$JS.API.STREAM.INFO.CASES",
            *_direct("CASES"),
            *_own_consumers("CASES", SERVICE_CONSUMERS["keys"]),
            "$JS.API.STREAM.INFO.DEADLETTER",
            *(f"deadletter.{c}" for c in SERVICE_CONSUMERS["keys"]),
            kv("CASE_KEYS", CASE),
            "$JS.API.STREAM.INFO.KV_CASE_KEYS",
            *_direct("KV_CASE_KEYS"),
            "$JS.API.STREAM.MSG.DELETE.KV_CASE_KEYS",
            # its own bucket's erasure watch (an unnamed consumer on the stream it alone writes)
            "$JS.API.CONSUMER.CREATE.KV_CASE_KEYS",
            *(consumer_probes("KV_CASE_KEYS", c)[k] for c in CONSUMERS for k in ("info", "flow control")),
        }, {"keys.>", "health.keys", "_INBOX_keys.>"}
    if user == "operator":
        return {
            *(s for s in command_subjects() if s.startswith("cmd.reporting.")),
            *(f"health.{s}" for s in (*SERVICES, "keys")),
            "$JS.API.INFO",
            *(
                f"$JS.API.STREAM.INFO.{s}"
                for s in ("CASES", "DEADLETTER", "CHECKPOINTS", "VIEWS", "KV_CASE_KEYS")
            ),
            *_direct("CASES"),
            *_direct("CHECKPOINTS"),
            *_direct("DEADLETTER"),
            "$JS.API.STREAM.MSG.GET.DEADLETTER",
            "$JS.API.STREAM.INFO.KV_READER_POSITIONS",
            *_direct("KV_READER_POSITIONS"),
            *(f"$JS.API.DIRECT.GET.KV_READER_POSITIONS.$KV.READER_POSITIONS.{s}.r" for s in OWNERS),
            "$JS.API.CONSUMER.LIST.CASES",
            *(consumer_probes("CASES", c)["info"] for c in CONSUMERS),
            # a case key for the audit: asked of the custodian, or (without one) the wrapped key itself
            *((f"keys.operator.get.{CASE}",) if custodian else ("$JS.API.DIRECT.GET.KV_CASE_KEYS.x",)),
            *(() if custodian else ("$JS.API.CONSUMER.CREATE.KV_CASE_KEYS",)),
            *(
                ()
                if custodian
                else (
                    consumer_probes("KV_CASE_KEYS", c)[k] for c in CONSUMERS for k in ("info", "flow control")
                )
            ),
        }, {"_INBOX_operator.>"}
    if user == "admin":
        return {p for p in publish_probes() if p.startswith("$JS.API.")}, {"_INBOX_admin.>"}
    if user in AGENCY_USERS:
        return set(allowed_subjects(AGENCY_USERS[user])), {f"_INBOX_{user}.>"}
    if user == "fire_control":
        return {"query.fire.SanctuaryAddress"}, {"_INBOX_fire_control.>"}
    r = user.removeprefix("view_")
    return {
        f"{VIEWS_API_PREFIX}.DIRECT.GET.VIEWS.view.{r}.{CASE}",
        f"{VIEWS_API_PREFIX}.CONSUMER.CREATE.VIEWS.{r}.view.{r}.x",
        f"{VIEWS_API_PREFIX}.CONSUMER.INFO.VIEWS.{r}",
        f"{VIEWS_API_PREFIX}.CONSUMER.MSG.NEXT.VIEWS.{r}",
        consumer_probes("VIEWS", r)["ack"],
    }, {f"_INBOX_{user}.>"}
