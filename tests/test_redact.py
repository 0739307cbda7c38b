"""Secrets are replaced before anything reaches the journal."""

from __future__ import annotations

import time

import pytest

from approve.redact import redact, redact_value

CASES = [
    ("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY aws s3 ls", "wJalrXUtnFEMI"),
    (
        'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9abc.def" https://api',
        "eyJhbGciOiJIUzI1NiJ9abc",
    ),
    ("psql postgres://admin:hunter2@db.prod:5432/app", "hunter2"),
    ("git clone https://user:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x", "ghp_abc"),
    ("mysql -u root -pS3cret -e 'drop database x'", "S3cret"),
    ("deploy --password hunter3 --verbose", "hunter3"),
    ("deploy --token=abc123def", "abc123def"),
    ("DB_PASSWORD='p w d' ./migrate", "p w d"),
    ('{"api_key": "k-123456", "name": "x"}', "k-123456"),
    ("kubectl create secret generic x --from-literal=password=s3cr3t", "s3cr3t"),
    (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXk",
    ),
    ("cat <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA", "MIIEpAIBAAKCAQEA"),
    ("export SLACK=xoxb-1234567890-abcdefghij", "xoxb-1234567890"),
]


@pytest.mark.parametrize(("text", "secret"), CASES)
def test_secret_is_redacted(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert "[REDACTED:" in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "terraform apply -auto-approve",
        'git commit -m "fix auth flow and token expiry"',
        "curl --token $API_TOKEN https://x",
        "kubectl delete namespace prod",
        "echo $PASSWORD | wc -c",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_redact_value_walks_records_and_keeps_keys() -> None:
    record = {"password": "keep-key", "nested": {"cmd": ["x --password=hunter2"]}, "n": 3}
    assert redact_value(record) == {
        "password": "keep-key",
        "nested": {"cmd": ["x --password=[REDACTED:secret]"]},
        "n": 3,
    }


def test_redaction_stays_linear_on_hostile_input() -> None:
    for text in ("a." * 200_000, "-a" * 200_000, "y" * 1_000_000, "token password " * 30_000):
        start = time.perf_counter()
        redact(text)
        # linear work takes well under a second; a quadratic pattern would take minutes
        assert time.perf_counter() - start < 10.0
