"""The NATS accounts and users of ``deploy/nats-users.conf``, generated from the code (``sanctuary
nats-users`` prints it; a test keeps the committed file equal to it).

Accounts are the isolation unit. Each kind of agency system and each recipient of views connects in
an account of its own, which sees nothing but the subjects it imports from PLATFORM: an agency its
roles' commands, as service imports (the server routes each reply back to the asker alone), fire
control its one question, a recipient the exact JetStream API subjects that read its own views.
The platform's services, the key custodian, the operator's tool and the administrator share the
PLATFORM account, where JetStream lives, and each of them holds exact subjects: no one but the
administrator may publish anywhere under ``$JS.API.>`` beyond the requests its work needs.

Why no wildcard: ``$JS.API.STREAM.UPDATE`` lets a user shrink or seal CASES, ``STREAM.CREATE`` lets
it capture ``cmd.>`` or mirror VIEWS to disk, and an unnamed ``CONSUMER.CREATE.<stream>`` carries
the consumer's name in its body, so it can rewrite anyone's durable. Consumers are therefore
created only under names the user's permission spells out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sanctuary.agency_access import AGENCY_USERS, allowed_subjects, view_reader
from services.assessment.fire_lookup import FLAG_EVENT_SUBJECTS
from services.assessment.reactions import REACTIONS as ASSESSMENT_REACTIONS
from services.contractor.contact_watch import WATCH_READER
from services.contractor.reactions import WORKS_ORDERS
from services.reporting.audit.checkpointer import READER as CHECKPOINT_READER
from services.reporting.monitoring.rebuild import WORKER_CONSUMERS as REBUILD_CONSUMERS
from services.reporting.monitoring.wiring import READER as REPORTING_READ_MODEL
from services.reporting.views.stream import VIEWS_STREAM
from services.reporting.views.wiring import VIEWS_READER
from shared.contracts.assessment import SANCTUARY_ADDRESS_QUERY
from shared.contracts.reporting import Recipient
from shared.crypto import KEY_BUCKET
from shared.deadletter import DEADLETTER_STREAM
from shared.eventstore import STREAM
from shared.provisioned import bucket_stream
from shared.reader import consumer_name
from shared.runtime import inbox_prefix
from shared.settings import REPO_ROOT

PLATFORM = "PLATFORM"
SYSTEM = "SYS"
SERVICES = ("referral", "assessment", "contractor", "reporting")
KEYS = "keys"  # the case-key custodian
OPERATOR = "operator"
ADMIN = "admin"
FIRE_CONTROL = "fire_control"
CHECKPOINTS = "CHECKPOINTS"
READER_POSITIONS = "READER_POSITIONS"
STAFF_BUCKET = "CONTRACTOR_STAFF"
CASE_KEYS = bucket_stream(KEY_BUCKET)

# Services that may run as several processes (``sanctuary run --replicas``), and how many at most:
# each process's readers own consumers of their own, so the permissions name every replica's.
REPLICATED = ("referral", "assessment", "contractor")
MAX_REPLICAS = 4


def _destructions(service: str) -> str:
    return f"{service}-key-destructions"  # shared.case_keys.destruction_watch


# The readers of CASES each service runs (shared.reader), by name.
SERVICE_READERS: dict[str, tuple[str, ...]] = {
    "referral": (_destructions("referral"),),
    "assessment": (*(r.name for r in ASSESSMENT_REACTIONS), _destructions("assessment")),
    "contractor": (WORKS_ORDERS.name, WATCH_READER, _destructions("contractor")),
    "reporting": (REPORTING_READ_MODEL, VIEWS_READER, CHECKPOINT_READER, _destructions("reporting")),
    KEYS: (_destructions(KEYS),),
}
# The consumers on CASES each service creates and reads, by name (its permission names them).
SERVICE_CONSUMERS: dict[str, tuple[str, ...]] = {
    service: tuple(
        consumer_name(reader, replica)
        for reader in readers
        for replica in range(1, (MAX_REPLICAS if service in REPLICATED else 1) + 1)
    )
    for service, readers in SERVICE_READERS.items()
}
# What each service asks of the key custodian (keys.<service>.<verb>.<case_id>).
KEY_VERBS: dict[str, tuple[str, ...]] = {
    "referral": ("get", "create"),
    "assessment": ("get",),
    "contractor": ("get",),
    "reporting": ("get", "destroy"),
}


def custodian_present() -> bool:
    """Until the key custodian's process exists, the services keep the case-key bucket themselves
    (the interim grant below); once it does, only the custodian may write it."""
    return (REPO_ROOT / "services" / KEYS / "__main__.py").exists()


@dataclass(frozen=True)
class User:
    name: str
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    responses: bool = False  # may answer the requests it receives (replies to their inboxes)
    comment: str = ""


# A recipient's account has no JetStream of its own, and the server answers ``$JS.API.>`` there
# with "JetStream not enabled": the PLATFORM API it imports is therefore seen under this prefix
# (a client uses ``nc.jetstream(prefix=VIEWS_API_PREFIX)``).
VIEWS_API_PREFIX = "JS.PLATFORM.API"


@dataclass(frozen=True)
class Import:
    subject: str
    stream_response: bool = False  # more than one reply (a pull request's messages)
    local: str = ""  # the subject in the importing account, when not the same

    @property
    def seen_as(self) -> str:
        return self.local or self.subject


@dataclass
class Account:
    name: str
    comment: str
    users: list[User] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    jetstream: bool = False


def account_name(user: str) -> str:
    return user.upper()


def password_variable(user: str) -> str:
    return f"NATS_{user.upper()}_PASSWORD"


# ---- who may do what -------------------------------------------------------------------------


def _stream_reads(stream: str) -> list[str]:
    """Read one stream's messages by direct get (by sequence, last by subject, batches)."""
    return [f"$JS.API.DIRECT.GET.{stream}", f"$JS.API.DIRECT.GET.{stream}.>"]


def _own_consumer(stream: str, name: str) -> list[str]:
    """Create (the filter, when one, is in the subject), read, pull, ack and remove a consumer
    of its own, named ``name``: never anyone else's."""
    return [
        f"$JS.API.CONSUMER.CREATE.{stream}.{name}",
        f"$JS.API.CONSUMER.CREATE.{stream}.{name}.>",
        f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{name}",
        f"$JS.API.CONSUMER.INFO.{stream}.{name}",
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{name}",
        f"$JS.API.CONSUMER.DELETE.{stream}.{name}",
        f"$JS.ACK.{stream}.{name}.>",
        f"$JS.FC.{stream}.{name}.>",
    ]


def _key_access(service: str, custodian: bool) -> list[str]:
    if custodian:
        # Wrapped keys only (useless without the key-encryption key); everything else by request.
        return [f"keys.{service}.{verb}.>" for verb in KEY_VERBS[service]] + [
            f"$JS.API.STREAM.INFO.{CASE_KEYS}",
            f"$JS.API.DIRECT.GET.{CASE_KEYS}.>",
        ]
    # Interim, while there is no custodian: what shared.crypto.KeyStore does itself. Only the
    # service that opens cases makes keys, and only reporting destroys one (erasure).
    interim = [
        f"$JS.API.STREAM.INFO.{CASE_KEYS}",
        f"$JS.API.DIRECT.GET.{CASE_KEYS}.>",
        # The erasure watcher, an unnamed ordered consumer (there are no durables on this stream).
        f"$JS.API.CONSUMER.CREATE.{CASE_KEYS}",
        f"$JS.API.CONSUMER.INFO.{CASE_KEYS}.*",
        f"$JS.FC.{CASE_KEYS}.>",
    ]
    if "create" in KEY_VERBS[service]:
        interim.append(f"$KV.{KEY_BUCKET}.>")
    if "destroy" in KEY_VERBS[service]:
        interim.append(f"$JS.API.STREAM.MSG.DELETE.{CASE_KEYS}")
    return interim


def service_user(service: str, custodian: bool) -> User:
    consumers = SERVICE_CONSUMERS[service]
    publish = [
        f"case.*.{service}.>",
        f"$JS.API.STREAM.INFO.{STREAM}",
        *_stream_reads(STREAM),
        f"$JS.API.STREAM.INFO.{DEADLETTER_STREAM}",
        *[f"deadletter.{c}" for c in consumers],
        *[s for c in consumers for s in _own_consumer(STREAM, c)],
        f"$JS.API.STREAM.INFO.{bucket_stream(READER_POSITIONS)}",
        f"$KV.{READER_POSITIONS}.{service}.>",
        f"$JS.API.DIRECT.GET.{bucket_stream(READER_POSITIONS)}.$KV.{READER_POSITIONS}.{service}.>",
        *_key_access(service, custodian),
    ]
    subscribe = [
        f"cmd.{service}.>",
        f"health.{service}",
        f"{inbox_prefix(service)}.>",
    ]
    if service == "assessment":
        # The question it answers, and the notice of its own flag events (the index's wake-up).
        subscribe += [SANCTUARY_ADDRESS_QUERY, *FLAG_EVENT_SUBJECTS]
    if service == "contractor":
        publish += [
            f"$KV.{STAFF_BUCKET}.>",
            f"$JS.API.STREAM.INFO.{bucket_stream(STAFF_BUCKET)}",
            *_stream_reads(bucket_stream(STAFF_BUCKET)),
            # The bucket is made without direct gets, so an entry is read by the stream API.
            f"$JS.API.STREAM.MSG.GET.{bucket_stream(STAFF_BUCKET)}",
        ]
    if service == "reporting":
        publish += [
            # `sanctuary rebuild` runs as this user: each of its workers reads through a consumer of
            # its own (they park nothing, so no dead letters).
            *[s for c in REBUILD_CONSUMERS for s in _own_consumer(STREAM, c)],
            "view.>",
            f"$JS.API.STREAM.INFO.{VIEWS_STREAM}",
            *_stream_reads(VIEWS_STREAM),
            f"$JS.API.STREAM.PURGE.{VIEWS_STREAM}",  # an erased case's views (held in memory)
            "checkpoint.>",
            f"$JS.API.STREAM.INFO.{CHECKPOINTS}",
            *_stream_reads(CHECKPOINTS),
        ]
    return User(service, tuple(publish), tuple(subscribe), responses=True)


def keys_user() -> User:
    return User(
        KEYS,
        publish=(
            f"case.*.{KEYS}.>",  # its signed, audited events: key created, key destroyed
            f"$JS.API.STREAM.INFO.{STREAM}",
            *_stream_reads(STREAM),
            *[s for c in SERVICE_CONSUMERS[KEYS] for s in _own_consumer(STREAM, c)],
            # Its destruction watch is a kernel reader like the services' (checked for at start,
            # a poison event parked rather than stalling it).
            f"$JS.API.STREAM.INFO.{DEADLETTER_STREAM}",
            *[f"deadletter.{c}" for c in SERVICE_CONSUMERS[KEYS]],
            f"$KV.{KEY_BUCKET}.>",
            f"$JS.API.STREAM.INFO.{CASE_KEYS}",
            *_stream_reads(CASE_KEYS),
            f"$JS.API.STREAM.MSG.DELETE.{CASE_KEYS}",  # destruction: the server's secure delete
            # Its key store's erasure watch, an unnamed ordered consumer on its own bucket's stream.
            f"$JS.API.CONSUMER.CREATE.{CASE_KEYS}",
            f"$JS.API.CONSUMER.INFO.{CASE_KEYS}.*",
            f"$JS.FC.{CASE_KEYS}.>",
        ),
        subscribe=(f"{KEYS}.>", f"health.{KEYS}", f"{inbox_prefix(KEYS)}.>"),
        responses=True,
        comment="The case-key custodian: the only writer of the case-key bucket.",
    )


def operator_user(custodian: bool) -> User:
    streams = (STREAM, DEADLETTER_STREAM, CHECKPOINTS, VIEWS_STREAM, CASE_KEYS)
    # The audit reads personal fields: with the custodian, a data key by asking it (it holds the
    # key-encryption key, the operator's host does not); until then, wrapped keys by direct get and
    # the key store's erasure watcher.
    keys = [f"{KEYS}.{OPERATOR}.get.>"] if custodian else [f"$JS.API.DIRECT.GET.{CASE_KEYS}.>"]
    if not custodian:
        keys += [
            f"$JS.API.CONSUMER.CREATE.{CASE_KEYS}",
            f"$JS.API.CONSUMER.INFO.{CASE_KEYS}.*",
            f"$JS.FC.{CASE_KEYS}.>",
        ]
    return User(
        OPERATOR,
        publish=(
            "cmd.reporting.>",  # audit reads, erasure, retention: recorded by the reporting service
            "health.*",
            "$JS.API.INFO",
            *[f"$JS.API.STREAM.INFO.{s}" for s in streams],
            *_stream_reads(STREAM),
            *_stream_reads(CHECKPOINTS),
            *_stream_reads(DEADLETTER_STREAM),
            f"$JS.API.STREAM.MSG.GET.{DEADLETTER_STREAM}",
            # Where each reader has got to (the demo waits on it; status shows it): read only.
            f"$JS.API.STREAM.INFO.{bucket_stream(READER_POSITIONS)}",
            *_stream_reads(bucket_stream(READER_POSITIONS)),
            f"$JS.API.CONSUMER.LIST.{STREAM}",
            f"$JS.API.CONSUMER.INFO.{STREAM}.*",
            *keys,
        ),
        subscribe=(f"{inbox_prefix(OPERATOR)}.>",),
        comment="The operator's `sanctuary` tool: reads the history and its checkpoints, sends the\n"
        "reporting service's commands, asks for health. It writes nothing and reads no views.",
    )


def admin_user() -> User:
    return User(
        ADMIN,
        publish=("$JS.API.>",),
        subscribe=(f"{inbox_prefix(ADMIN)}.>",),
        comment="Provisioning (`sanctuary provision`): makes and updates streams, buckets and\n"
        "consumers. Publishes no event or command and reads no reply but its own.",
    )


def _views_api(recipient: Recipient) -> list[Import]:
    r = recipient.value

    def api(rest: str, stream_response: bool = False) -> Import:
        return Import(f"$JS.API.{rest}", stream_response, local=f"{VIEWS_API_PREFIX}.{rest}")

    return [
        api(f"DIRECT.GET.{VIEWS_STREAM}.view.{r}.>"),
        api(f"CONSUMER.CREATE.{VIEWS_STREAM}.{r}.view.{r}.>"),
        api(f"CONSUMER.INFO.{VIEWS_STREAM}.{r}"),
        api(f"CONSUMER.MSG.NEXT.{VIEWS_STREAM}.{r}", stream_response=True),
        Import(f"$JS.ACK.{VIEWS_STREAM}.{r}.>"),  # the reply subject of each delivered view
    ]


def accounts(custodian: bool | None = None) -> list[Account]:
    custodian = custodian_present() if custodian is None else custodian
    platform = Account(
        PLATFORM,
        "The platform: the services, the key custodian, the operator's tool and provisioning.",
        users=[
            *[service_user(s, custodian) for s in SERVICES],
            keys_user(),
            operator_user(custodian),
            admin_user(),
        ],
        jetstream=True,
    )
    result = [platform]
    for user, roles in AGENCY_USERS.items():
        subjects = allowed_subjects(roles)
        names = ", ".join(sorted(r.value for r in roles))
        result.append(_client_account(user, f"Roles: {names}. Sends exactly their commands.", subjects))
    result.append(
        _client_account(
            FIRE_CONTROL, "The fire control room: may only ask about one address.", [SANCTUARY_ADDRESS_QUERY]
        )
    )
    for recipient in Recipient:
        user = view_reader(recipient)
        imports = _views_api(recipient)
        result.append(
            Account(
                account_name(user),
                f"Reads its own views (view.{recipient.value}.<case_id>) and nothing else.",
                users=[User(user, tuple(i.seen_as for i in imports), (f"{inbox_prefix(user)}.>",))],
                imports=imports,
            )
        )
    return result


def _client_account(user: str, comment: str, subjects: Sequence[str]) -> Account:
    return Account(
        account_name(user),
        comment,
        users=[User(user, tuple(subjects), (f"{inbox_prefix(user)}.>",))],
        imports=[Import(s) for s in subjects],
    )


# ---- rendering -------------------------------------------------------------------------------


def _list(items: Iterable[str], indent: int) -> str:
    pad = " " * indent
    quoted = [f'"{i}"' for i in items]
    return "[\n" + "".join(f"{pad}  {q}\n" for q in quoted) + f"{pad}]"


def _user_block(user: User, indent: int) -> str:
    pad = " " * indent
    lines = []
    for line in user.comment.splitlines():
        lines.append(f"{pad}# {line}")
    lines += [
        f"{pad}{{",
        f"{pad}  user: {user.name}",
        f"{pad}  password: ${password_variable(user.name)}",
        f"{pad}  permissions: {{",
        f"{pad}    publish: {{ allow: {_list(user.publish, indent + 4)} }}",
        f"{pad}    subscribe: {{ allow: {_list(user.subscribe, indent + 4)} }}",
    ]
    if user.responses:
        lines.append(f"{pad}    allow_responses: true")
    lines += [f"{pad}  }}", f"{pad}}}"]
    return "\n".join(lines)


def _exports(accounts_: list[Account]) -> str:
    """PLATFORM's service exports: each subject to exactly the accounts that import it."""
    importers: dict[str, list[str]] = {}
    streamed: set[str] = set()
    for account in accounts_:
        for imp in account.imports:
            importers.setdefault(imp.subject, []).append(account.name)
            if imp.stream_response:
                streamed.add(imp.subject)
    lines = []
    for subject in sorted(importers):
        response = ", response_type: stream" if subject in streamed else ""
        who = ", ".join(importers[subject])
        lines.append(f'      {{ service: "{subject}", accounts: [{who}]{response} }}')
    return "\n".join(lines)


def nats_users_conf(custodian: bool | None = None) -> str:
    """The whole of ``deploy/nats-users.conf``."""
    accounts_ = accounts(custodian)
    mode = (
        "the key custodian holds the case-key bucket alone"
        if (custodian_present() if custodian is None else custodian)
        else "INTERIM: no key custodian yet, so the services keep the case-key bucket themselves"
    )
    out = [
        "# GENERATED by `sanctuary nats-users` from the code (sanctuary/deployconfig.py); do not edit.",
        "# Who may do what on the bus: see docs/security.md. Passwords come from the environment",
        "# (NATS_<USER>_PASSWORD); a missing one stops the server from starting.",
        f"# Case keys: {mode}.",
        "",
        f"system_account: {SYSTEM}",
        "",
        "accounts {",
        "  # The server's own account ($SYS): no application user connects to it.",
        f"  {SYSTEM}: {{ }}",
    ]
    for account in accounts_:
        out += ["", f"  # {account.comment}", f"  {account.name}: {{"]
        if account.jetstream:
            out.append("    jetstream: enabled")
        out.append("    users: [")
        out += [_user_block(u, 6) for u in account.users]
        out.append("    ]")
        if account.name == PLATFORM:
            out += ["    exports: [", _exports(accounts_), "    ]"]
        if account.imports:
            out.append("    imports: [")
            for imp in account.imports:
                to = f', to: "{imp.local}"' if imp.local else ""
                out.append(f'      {{ service: {{ account: {PLATFORM}, subject: "{imp.subject}" }}{to} }}')
            out.append("    ]")
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def users(custodian: bool | None = None) -> dict[str, tuple[str, User]]:
    """Every user, with its account name."""
    return {u.name: (a.name, u) for a in accounts(custodian) for u in a.users}
