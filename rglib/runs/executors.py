r"""Executors for sweeps: the in-process :class:`SerialExecutor` and the check of a caller's executor.

:func:`rglib.runs.run_sweep` runs its points through any :class:`concurrent.futures.Executor`:

* ``SerialExecutor()`` (the default) computes each point in the calling process when it is submitted;
* ``concurrent.futures.ProcessPoolExecutor(max_workers=n)`` uses ``n`` local processes (the point function
  must be importable by the workers, i.e. defined in a module, not in a notebook, unless the pool forks);
* ``distributed.Client(address).get_executor()`` runs the points on a Dask cluster (functions defined in a
  notebook are shipped with cloudpickle).
"""
from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable
from typing import Any

__all__ = ["SerialExecutor", "check_executor"]


class SerialExecutor(cf.Executor):
    r"""A :class:`concurrent.futures.Executor` that runs every call in the calling process at submission.

    ``submit`` returns an already finished future (holding the result or the exception), so a sweep through
    it behaves exactly like a loop; ``KeyboardInterrupt`` and ``SystemExit`` are not captured.

    Examples
    --------
    >>> from rglib.runs import SerialExecutor
    >>> with SerialExecutor() as ex:
    ...     ex.submit(pow, 2, 10).result()
    1024
    """

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future: cf.Future = cf.Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


def check_executor(executor: Any, name: str = "executor") -> cf.Executor:
    """``executor`` itself when it is a ``concurrent.futures.Executor``, a fresh :class:`SerialExecutor` when
    it is ``None``; a ``TypeError`` naming ``name`` otherwise (with a hint for a Dask ``Client``)."""
    if executor is None:
        return SerialExecutor()
    if isinstance(executor, cf.Executor):
        return executor
    if hasattr(executor, "get_executor"):
        raise TypeError(f"{name} must be a concurrent.futures.Executor; got a {type(executor).__name__}: "
                        f"pass {name}=client.get_executor() for a Dask client")
    raise TypeError(f"{name} must be None or a concurrent.futures.Executor (SerialExecutor, "
                    f"ProcessPoolExecutor, distributed.Client(...).get_executor()); got {type(executor).__name__}")
