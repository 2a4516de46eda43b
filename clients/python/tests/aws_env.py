"""An AWS environment that holds only what a test puts in it.

botocore's default chain reads environment variables, ~/.aws files, SSO caches, container and
instance metadata. A test that signs must see its fake keys only, and a test without keys must
not reach 169.254.169.254 or a developer's real profile.
"""
from __future__ import annotations

import os
from typing import Dict, Iterator, Optional
from contextlib import contextmanager
from unittest import mock

FAKE_ACCESS_KEY_ID = "AKIDFAKEEXAMPLE"
FAKE_SECRET_ACCESS_KEY = "fake-secret-access-key-not-real"
FAKE_SESSION_TOKEN = "fake-session-token-not-real"

_EMPTY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "no-such-aws-file")


def hermetic_environ(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """os.environ without AWS_* and proxy variables, with AWS files and metadata switched off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update(
        {
            "AWS_CONFIG_FILE": _EMPTY,
            "AWS_SHARED_CREDENTIALS_FILE": _EMPTY,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    env.update(extra or {})
    return env


@contextmanager
def aws_env(**variables: str) -> Iterator[None]:
    """Run the block with hermetic_environ(variables) as os.environ."""
    with mock.patch.dict(os.environ, hermetic_environ(variables), clear=True):
        yield


def session_credentials_env() -> Dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY, "AWS_SESSION_TOKEN": FAKE_SESSION_TOKEN}


def long_term_credentials_env() -> Dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY}
