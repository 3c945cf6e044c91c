"""Blocking calls kept off the event loop: the vendor SDKs (wechatpy, python-alipay-sdk) speak
synchronous HTTP, so each call runs in a worker thread while the loop serves other requests."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread

T = TypeVar("T")


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in a worker thread (anyio's bounded pool)."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
