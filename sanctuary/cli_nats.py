"""The operator's connection to NATS: it fails within seconds, naming the server (never its
credentials) and where its URL came from, instead of retrying for minutes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import nats
from nats.aio.client import Client as NATS
from nats.errors import AuthorizationError, NoRespondersError, NoServersError
from nats.errors import TimeoutError as NatsTimeoutError

from sanctuary import devstate
from sanctuary.cli_errors import EXIT_FAILURE, EXIT_USAGE, CliError, mask_url
from shared.nats_connect import server_list
from shared.runtime import inbox_prefix
from shared.settings import Settings

CONNECT_TIMEOUT_S = 3.0
START_HINT = "start the system (sanctuary run --keep-running) or set NATS_URL to its server"


async def _quiet(exc: Exception) -> None:
    """Each failed attempt is reported once, below, not logged with a traceback."""


def nats_url(settings: Settings) -> str:
    if not settings.nats_url:
        raise CliError(f"NATS_URL is not set: {START_HINT}", EXIT_USAGE)
    return settings.nats_url


async def connect(url: str, name: str) -> NATS:
    """A connection, or CliError within about CONNECT_TIMEOUT_S seconds."""
    shown = f"{mask_url(url)} ({devstate.where('NATS_URL')})"
    try:
        return await asyncio.wait_for(
            nats.connect(
                server_list(url),
                name=name,
                # The operator's own inbox prefix: on the secured server it may read replies there only.
                inbox_prefix=inbox_prefix("operator"),
                connect_timeout=CONNECT_TIMEOUT_S - 0.5,
                allow_reconnect=False,
                error_cb=_quiet,
            ),
            timeout=CONNECT_TIMEOUT_S,
        )
    except AuthorizationError:
        raise CliError(f"NATS at {shown} refused this user's credentials", EXIT_FAILURE) from None
    except (OSError, NoServersError, TimeoutError, NatsTimeoutError):
        raise CliError(f"cannot reach NATS at {shown}: {START_HINT}", EXIT_FAILURE) from None


def probe(url: str) -> None:
    """Fail within seconds, naming the server, before starting anything that would retry for ever."""

    async def reach() -> None:
        await (await connect(url, "sanctuary-probe")).close()

    asyncio.run(reach())


@asynccontextmanager
async def connected(settings: Settings, name: str) -> AsyncIterator[NATS]:
    nc = await connect(nats_url(settings), name)
    try:
        yield nc
    except NoRespondersError:
        raise CliError(
            "no service answered on NATS: is the system fully up? (sanctuary status)", EXIT_FAILURE
        ) from None
    except NatsTimeoutError:
        raise CliError("a service did not answer in time: see sanctuary status", EXIT_FAILURE) from None
    finally:
        await nc.close()
