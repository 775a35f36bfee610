"""The CASE_KEYS bucket is made by provisioning alone: a key store on a server where it was never
provisioned stops, naming the bucket and the command that makes it, and creates nothing."""

from __future__ import annotations

import base64

import nats
import pytest
from nats.js.errors import NotFoundError

from sanctuary.devtools.nats_server import NatsServer
from shared.crypto import KEY_BUCKET, KeyBucketMissing, KeyStore
from shared.provisioned import bucket_stream
from tests.conftest import TEST_KEK, provisioned

pytestmark = pytest.mark.nats


async def test_a_key_store_needs_the_provisioned_bucket_and_makes_none(bare_nats_server: NatsServer) -> None:
    nc = await nats.connect(bare_nats_server.url)
    try:
        keys = KeyStore(nc.jetstream(), base64.b64decode(TEST_KEK))
        with pytest.raises(KeyBucketMissing, match=f"{KEY_BUCKET}.*sanctuary provision"):
            await keys.start()
        with pytest.raises(NotFoundError):
            await nc.jetstream().stream_info(bucket_stream(KEY_BUCKET))

        provisioned(bare_nats_server)
        await keys.start()
        try:
            key = await keys.key_for_writing("K-BUCKET-1")
            assert await keys.key_for_reading("K-BUCKET-1") == key
            config = (await nc.jetstream().stream_info(bucket_stream(KEY_BUCKET))).config
            assert config.deny_delete is False  # erasure's secure delete, as provisioning defines it
        finally:
            await keys.stop()
    finally:
        await nc.close()
