"""Loaded at start-up by the kernels of tests/notebooks/test_live.py only (this folder is on their PYTHONPATH).

The notebooks' client retries 408, 429 and 5xx as their setup cell's ``types.HttpRetryOptions`` says
(exponential backoff with jitter, about 2 s before the first retry). google-genai waits between attempts in
two places: tenacity's default ``sleep`` (``tenacity.nap``, for generate_content and the other model calls)
and the Interactions client's own retry loop (``google.genai._gaos.utils.retries``). Both call ``time.sleep``
through their module's global ``time``; here, as each of those two modules is imported, that global is
replaced by the time module with a ``sleep`` that waits a hundredth of what it is asked. The retries
themselves, their number and their order are real; only the waits are shorter. ``client.aio``'s retries wait
through tenacity's ``AsyncRetrying`` instead, whose default ``sleep`` (``asyncio.sleep``) is shortened alike.
``time.sleep`` itself, and every other module, are untouched.
"""

import importlib.abc
import importlib.machinery
import sys
import time
import types

SHORTER = 100  # the waits are divided by this
#: Modules whose global `time` is replaced: tenacity's sleep, the Interactions client's retry loop, and the
#: SDK's own loop that asks again for a resumable upload's status (Files API).
SLEEPERS = {"tenacity.nap", "google.genai._gaos.utils.retries", "google.genai._api_client"}


class _ShortSleeps(types.ModuleType):
    """The time module, except that ``sleep`` waits a hundredth as long."""

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds / SHORTER)


SHORT_SLEEPS = _ShortSleeps("time")


def _shorten(module: types.ModuleType) -> None:
    """Shorten the waits of one of the modules in SLEEPERS or ASYNC_SLEEPERS, once it has run."""
    if module.__name__ in SLEEPERS:
        module.time = SHORT_SLEEPS  # type: ignore[attr-defined]
        return
    # tenacity's AsyncRetrying (client.aio) sleeps with asyncio.sleep through the default of its `sleep` argument.
    original = module._portable_async_sleep

    def short(seconds: float) -> object:
        return original(seconds / SHORTER)

    init = module.AsyncRetrying.__init__
    init.__defaults__ = (short, *init.__defaults__[1:])


ASYNC_SLEEPERS = {"tenacity.asyncio"}


class _ShortenOnImport(importlib.abc.MetaPathFinder):
    """Finds the modules in SLEEPERS as usual, and replaces their ``time`` once they have run."""

    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname not in SLEEPERS | ASYNC_SLEEPERS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return None
        run = spec.loader.exec_module

        def exec_module(module: types.ModuleType) -> None:
            run(module)
            _shorten(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


sys.meta_path.insert(0, _ShortenOnImport())
