"""Development TLS certificates for NATS: one CA, a server certificate valid for every node's name
(and 127.0.0.1), and client certificates, made with ``cryptography``.

For a developer's machine and the tests only. Production brings certificates from its own CA
(docs/deploy.md); nothing here is ever shipped. ``python -m sanctuary.devtools.devcerts DIR [CLIENT...]``
(or deploy/tls/make-dev-certs.sh) writes them.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Names the server certificate answers to: loopback, and the compose cluster's node names.
SERVER_NAMES = ("localhost", "nats", "nats-1", "nats-2", "nats-3")
VALID_DAYS = 365


@dataclass(frozen=True)
class TlsFiles:
    """Where one party's certificate, private key and the CA that signs the other side live."""

    ca: Path
    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sanctuary development"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.touch(mode=0o600)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


def _issue(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_name: x509.Name,
    common_name: str,
    usage: list[x509.ObjectIdentifier],
    sans: list[x509.GeneralName],
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def make_dev_certs(out: Path, clients: tuple[str, ...] = ("client",)) -> dict[str, TlsFiles]:
    """Write ca.pem, server.pem/server-key.pem and <client>.pem/<client>-key.pem into ``out``.

    Returns the files by party ("server" and each client name). The server certificate serves
    client, route and leaf connections alike (it is both a server and a client certificate,
    since a node dials its routes)."""
    out.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Sanctuary development CA")
    now = dt.datetime.now(dt.UTC)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path = out / "ca.pem"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files: dict[str, TlsFiles] = {}
    server_sans: list[x509.GeneralName] = [x509.DNSName(n) for n in SERVER_NAMES]
    server_sans.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    parties = [("server", [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH], server_sans)]
    parties += [(c, [ExtendedKeyUsageOID.CLIENT_AUTH], []) for c in clients]
    for party, usage, sans in parties:
        cert, key = _issue(ca_key, ca_name, party, usage, sans)
        cert_path, key_path = out / f"{party}.pem", out / f"{party}-key.pem"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, key_path)
        files[party] = TlsFiles(ca_path, cert_path, key_path)
    return files


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m sanctuary.devtools.devcerts DIR [CLIENT ...]", file=sys.stderr)
        return 2
    out = Path(argv[0])
    made = make_dev_certs(out, tuple(argv[1:]) or ("client",))
    print(f"development certificates in {out}: ca.pem, " + ", ".join(f"{p}.pem" for p in made))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
