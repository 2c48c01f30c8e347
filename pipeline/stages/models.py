"""Models built once per worker thread and kept for the life of the process.

Batch mode runs one Beam pipeline per batch in the same process; without this every batch would
load the CRF, spaCy and fastText models again (~10 s each). A model is kept per thread because the
CRF tagger holds per-call state and is not thread-safe; a cluster runner's threads each get one.
"""
from __future__ import annotations

import threading
from typing import Callable, TypeVar

T = TypeVar("T")
_MODELS: dict[tuple, object] = {}
_LOCK = threading.Lock()


def per_thread(factory: Callable[..., T], settings) -> T:
    """``factory(settings)``, built the first time this thread asks for it with these settings."""
    key = (factory, settings, threading.get_ident())
    with _LOCK:
        model = _MODELS.get(key)
    if model is None:
        model = factory(settings)
        with _LOCK:
            _MODELS[key] = model
    return model
