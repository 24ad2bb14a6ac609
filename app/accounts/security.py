"""Password hashing (argon2id), token secrets and keyed hashes for throttling."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Verified against when the username is unknown, so a wrong username takes as long as a wrong
# password and the answer does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("duk-no-such-user-placeholder")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


T = TypeVar("T")

# How much lower than the requests' threads a password's hashing runs (Linux nice steps).
PASSWORD_NICENESS = 10


def _lower_priority() -> None:
    # Linux gives each thread its own nice value, and argon2's own threads inherit it.
    with contextlib.suppress(AttributeError, OSError):
        tid = threading.get_native_id()
        os.setpriority(
            os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + PASSWORD_NICENESS
        )


@functools.cache
def _password_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="duk-password", initializer=_lower_priority
    )


async def off_the_requests(function: Callable[..., T], /, *args: object) -> T:
    """Run a password's hashing or check where it slows no request down: one at a time, on a
    thread of its own, at a lower CPU priority than the threads that serve requests. argon2
    takes a good tenth of a second on every core it can get; beside it, an autosave on the same
    two cores took 20 ms instead of 5 (bench/tablet.py, sign-ins during typing)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_password_thread(), functools.partial(function, *args))


def new_token_secret() -> str:
    return secrets.token_urlsafe(32)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def keyed_digest(secret_key: str, value: str) -> str:
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()
