"""A self-signed certificate like the gateway's, made at runtime (nothing secret is stored).

The real gateway presents an EC P-256 certificate issued by itself (O=Tesla, OU=Tesla Energy
Products) that no CA signed; clients must accept it for the gateway's address only. Tests
serve the simulator with this one to prove that. Needs the ``cryptography`` package; without
it, ``server_context`` returns None and the simulator is served on plain http (loopback only).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import ipaddress
from pathlib import Path
import ssl
import tempfile


def server_context(host: str = "127.0.0.1") -> ssl.SSLContext | None:
    """Return a server TLS context with a fresh self-signed certificate, or None."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:  # pragma: no cover - cryptography ships with Home Assistant
        return None
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tesla"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Tesla Energy Products"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Simulated Powerwall Gateway"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        cert_path = Path(folder) / "cert.pem"
        key_path = Path(folder) / "key.pem"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context.load_cert_chain(cert_path, key_path)
    return context
