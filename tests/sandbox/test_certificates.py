"""The sandbox's certificate authority and server certificate, issued once and reused."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from cryptography import x509

from mediaflow_sandbox.tls import ensure_certificates


def test_the_server_certificate_is_issued_by_the_ca_for_loopback(tmp_path: Path) -> None:
    files = ensure_certificates(tmp_path)

    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    server = x509.load_pem_x509_certificate(files.certificate.read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value

    server.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert (files.private_key.stat().st_mode & 0o777) == 0o600


def test_valid_certificates_are_reused(tmp_path: Path) -> None:
    first = ensure_certificates(tmp_path)
    issued = {path: path.read_bytes() for path in (first.ca, first.certificate, first.private_key)}

    again = ensure_certificates(tmp_path)

    assert again == first
    assert {path: path.read_bytes() for path in issued} == issued


def test_a_damaged_certificate_is_issued_anew(tmp_path: Path) -> None:
    files = ensure_certificates(tmp_path)
    old_ca = files.ca.read_bytes()
    files.certificate.write_text("not a certificate")

    ensure_certificates(tmp_path)

    assert files.ca.read_bytes() != old_ca
    server = x509.load_pem_x509_certificate(files.certificate.read_bytes())
    server.verify_directly_issued_by(x509.load_pem_x509_certificate(files.ca.read_bytes()))
