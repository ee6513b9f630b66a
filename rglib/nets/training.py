r"""Train many small fully connected networks at once: a grid of weight variances, seeds and depths.

:func:`train_networks` trains a batch of :class:`~rglib.nets.mlp.GaussianMLP` networks on one classification
problem. Networks of equal widths are stacked and trained in one computation (:class:`~rglib.nets.stacked.StackedMLP`,
batched matrix products); networks of different widths (e.g. different depths) form separate
stacks that are trained one after the other on the same minibatch sequence. Each network trains exactly as it
would alone:

* its initialisation is ``GaussianMLP(widths, sigma_w2, sigma_b2, seed=seed)``, drawn from its own seed;
* all networks see the same minibatches in the same order, fixed by ``data_seed`` (:func:`epoch_orders`);
* the loss is the mean cross entropy of the minibatch, :math:`\mathcal L = -\frac1B\sum_b \log
  \mathrm{softmax}(z_b)_{y_b}`, whose logits ``z`` are the network output (tanh-squashed when
  ``final_activation``, as in the papers' code), or ``softmax(output)`` with ``softmax_output=True``;
* the optimiser is SGD with momentum or Adam, update for update as ``torch.optim.SGD`` / ``torch.optim.Adam``.

After every epoch the test accuracy (argmax) and test loss of every network are measured. With an
``accuracy_threshold`` a network whose test accuracy *exceeds* the threshold after an epoch (the comparison of
Thurn et al.'s scan) stops training there; the epoch is reported in ``epochs_to_threshold``. Stopped networks
are removed from the stack, so they cost nothing afterwards.

Paper settings (:func:`paper_settings`): Erdmenger, Grosvenor & Jefferson (2022) train with SGD, learning rate
0.005, momentum 0.8, batch 64, unshuffled with ``drop_last``, cross entropy directly on the tanh outputs;
Thurn, Jefferson & Erdmenger (2024) use SGD with learning rate 1e-3, no momentum, batch 64, shuffled, and
a softmax layer after the final tanh *before* ``F.cross_entropy`` (which applies log-softmax again); that
double softmax, with logits bounded in [-1, 1], gives weak gradients and low accuracies, and is reproduced by
``softmax_output=True``.

References
----------
J. Erdmenger, K. T. Grosvenor, R. Jefferson, SciPost Phys. 12, 041 (2022), arXiv:2107.06898.
Y. Thurn, R. Jefferson, J. Erdmenger, arXiv:2406.12916 (2024).
D. P. Kingma, J. Ba, "Adam: a method for stochastic optimization", ICLR (2015), arXiv:1412.6980.
"""
from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import NamedTuple

import numpy as np
import torch

from .._checks import check_int, check_real_array, numpy_generator
from .mlp import GaussianMLP, _check_widths
from .stacked import StackedMLP, _check_device, as_gaussian_mlp

__all__ = ["TrainingResult", "train_networks", "epoch_orders", "paper_settings", "training_cost"]


class TrainingResult(NamedTuple):
    """Per-network training history of :func:`train_networks`; rows follow the order of the networks."""

    test_accuracy: np.ndarray  #: (n_nets, n_epochs) test accuracy after each epoch; NaN after a network stopped
    test_loss: np.ndarray  #: (n_nets, n_epochs) mean test cross entropy after each epoch; NaN after stopping
    train_loss: np.ndarray  #: (n_nets, n_epochs) mean of the epoch's minibatch losses; NaN after stopping
    initial_test_accuracy: np.ndarray  #: (n_nets,) test accuracy at initialisation
    final_test_accuracy: np.ndarray  #: (n_nets,) test accuracy after the last epoch each network trained
    epochs_trained: np.ndarray  #: (n_nets,) int, epochs each network trained (fewer when it stopped early)
    epochs_to_threshold: np.ndarray  #: (n_nets,) int, first epoch with test accuracy > threshold; -1 if never
    networks: list | None  #: the trained GaussianMLP networks (``return_networks=True``), else None
    snapshots: dict  #: {epoch: [GaussianMLP, ...]} for each of ``snapshot_epochs`` (0 = initialisation)


def paper_settings(paper: str) -> dict:
    """Training keyword arguments of a paper's code, to pass on as ``train_networks(..., **paper_settings(p))``.

    Parameters
    ----------
    paper : {'erdmenger2022', 'thurn2024'}

    Examples
    --------
    >>> paper_settings('erdmenger2022')['momentum']
    0.8
    >>> paper_settings('thurn2024')['softmax_output']
    True
    """
    common = dict(sigma_b2=0.05, batch_size=64, optimizer="sgd", activation="tanh", final_activation=True)
    if paper == "erdmenger2022":
        return dict(common, lr=0.005, momentum=0.8, shuffle=False, drop_last=True, softmax_output=False)
    if paper == "thurn2024":
        return dict(common, lr=1e-3, momentum=0.0, shuffle=True, drop_last=False, softmax_output=True)
    raise ValueError(f"paper must be 'erdmenger2022' or 'thurn2024'; got {paper!r}")


def epoch_orders(n_samples: int, n_epochs: int, *, seed=None, shuffle: bool = True) -> np.ndarray:
    """Order in which the training samples are visited in each epoch, shape ``(n_epochs, n_samples)``.

    With ``shuffle`` epoch ``e`` is the ``e``-th permutation drawn from ``numpy.random.default_rng(seed)``
    (``seed`` an int or a ``numpy.random.Generator``, required); otherwise every epoch is ``0, 1, ...``.
    Minibatch ``j`` of an epoch is ``order[j * batch_size:(j + 1) * batch_size]``.

    Examples
    --------
    >>> epoch_orders(5, 2, seed=0)
    array([[2, 4, 3, 0, 1],
           [4, 1, 2, 0, 3]])
    """
    n_samples = check_int(n_samples, "n_samples")
    n_epochs = check_int(n_epochs, "n_epochs")
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be a bool; got {type(shuffle).__name__}")
    if not shuffle:
        return np.tile(np.arange(n_samples), (n_epochs, 1))
    if seed is None:
        raise ValueError("data_seed (seed) must be an int or a numpy.random.Generator when shuffle=True, so that "
                         "the minibatch order is reproducible")
    rng = numpy_generator(seed)
    return np.stack([rng.permutation(n_samples) for _ in range(n_epochs)])


def training_cost(widths: Sequence[int], n_train: int, n_test: int, n_epochs: int) -> float:
    """Multiply-adds to train one network of ``widths`` (3 per weight and training sample: forward, weight
    gradient, input gradient) and test it after every epoch and at initialisation (1 per weight and sample)."""
    widths = _check_widths(widths)
    n_train = check_int(n_train, "n_train", minimum=0)
    n_test = check_int(n_test, "n_test", minimum=0)
    n_epochs = check_int(n_epochs, "n_epochs", minimum=0)
    weights = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    return float(weights) * (3.0 * n_train * n_epochs + n_test * (n_epochs + 1))


def _as_tensor(value, name: str, *, labels: bool) -> torch.Tensor:
    if isinstance(value, np.ndarray):
        if value.dtype == object or np.iscomplexobj(value) or value.dtype == np.bool_:
            raise TypeError(f"{name} must hold real numbers; got dtype {value.dtype}")
        value = torch.from_numpy(value)
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a numpy array or a torch tensor; got {type(value).__name__}")
    if value.is_complex() or value.dtype == torch.bool:
        raise TypeError(f"{name} must hold real numbers; got dtype {value.dtype}")
    if labels and value.is_floating_point():
        raise TypeError(f"{name} must hold integer class labels; got dtype {value.dtype}")
    if value.ndim != (1 if labels else 2) or value.shape[0] == 0:
        shape = "(n,)" if labels else "(n, n_in)"
        raise ValueError(f"{name} must be a non-empty array of shape {shape}; got shape {tuple(value.shape)}")
    if value.is_floating_point() and not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return value


def _check_data(x, y, name: str, n_in: int, n_out: int, device, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    x = _as_tensor(x, f"x_{name}", labels=False)
    y = _as_tensor(y, f"y_{name}", labels=True)
    if x.shape[1] != n_in:
        raise ValueError(f"x_{name} must have shape (n, {n_in}) to match widths[0] = {n_in}; got {tuple(x.shape)}")
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"y_{name} must have one label per row of x_{name} ({x.shape[0]}); got {y.shape[0]}")
    if int(y.min()) < 0 or int(y.max()) >= n_out:
        raise ValueError(f"y_{name} must hold labels in [0, {n_out - 1}] (widths[-1] = {n_out} classes); "
                         f"got range [{int(y.min())}, {int(y.max())}]")
    return x.to(device=device, dtype=dtype), y.to(device=device, dtype=torch.int64)


def _evaluate(stack: StackedMLP, x: torch.Tensor, y: torch.Tensor, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and mean cross entropy of every stacked network on ``(x, y)``, in chunks of ``chunk`` samples."""
    loss = torch.zeros(stack.n_networks, dtype=torch.float64, device=x.device)
    correct = torch.zeros(stack.n_networks, dtype=torch.int64, device=x.device)
    for start in range(0, x.shape[0], chunk):
        chunk_loss, chunk_correct = stack.loss_and_correct(x[start:start + chunk], y[start:start + chunk])
        loss += chunk_loss.double()
        correct += chunk_correct
    return (correct.double() / x.shape[0]).cpu().numpy(), (loss / x.shape[0]).cpu().numpy()


def _network_specs(widths, sigma_w2, sigma_b2, seeds):
    """Broadcast the per-network arguments to a common length; returns lists of widths, arrays of variances
    and seeds."""
    per_net = (isinstance(widths, Sequence) and not isinstance(widths, (str, bytes)) and len(widths) > 0
               and all(isinstance(w, Sequence) and not isinstance(w, (str, bytes)) for w in widths))
    if per_net:
        width_list = []
        for i, w in enumerate(widths):
            try:
                width_list.append(_check_widths(w))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"widths[{i}]: {exc}") from None
    else:
        width_list = [_check_widths(widths)]
    sw = check_real_array(sigma_w2, "sigma_w2", lower=0, lower_strict=True)
    sb = check_real_array(sigma_b2, "sigma_b2", lower=0)
    seed_arr = np.asarray(seeds)
    if seed_arr.dtype == np.bool_ or not np.issubdtype(seed_arr.dtype, np.integer):
        raise TypeError(f"seeds must be an int or a sequence of ints (one per network); got {seeds!r}")
    if np.any(seed_arr < 0):
        raise ValueError(f"seeds must be non-negative ints; got {seeds!r}")
    for name, arr in (("sigma_w2", sw), ("sigma_b2", sb), ("seeds", seed_arr)):
        if arr.ndim > 1:
            raise ValueError(f"{name} must be a scalar or a 1-D sequence (one value per network)")
    lengths = {len(width_list)} | {a.size for a in (sw, sb, seed_arr) if a.ndim == 1}
    lengths.discard(1)
    if len(lengths) > 1:
        raise ValueError(f"widths (as a list of lists), sigma_w2, sigma_b2 and seeds must have equal lengths or "
                         f"length 1; got lengths {sorted(lengths)}")
    n = lengths.pop() if lengths else 1
    width_list = width_list * n if len(width_list) == 1 else width_list
    bc = [np.broadcast_to(a.reshape(-1), (n,)) for a in (sw, sb, seed_arr)]
    return width_list, bc[0].astype(np.float64), bc[1].astype(np.float64), bc[2].astype(np.int64)


def train_networks(widths, sigma_w2, seeds, x_train, y_train, x_test, y_test, *, lr: float,
                   n_epochs: int = 1, sigma_b2=0.05, batch_size: int = 64, optimizer: str = "sgd",
                   momentum: float = 0.0, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                   data_seed=None, shuffle: bool = True, drop_last: bool = False, accuracy_threshold=None,
                   activation: str = "tanh", final_activation: bool = True, softmax_output: bool = False,
                   device: str | torch.device | None = None, dtype: torch.dtype = torch.float32,
                   eval_batch_size: int = 1024, return_networks: bool = False, snapshot_epochs: Sequence[int] = (),
                   max_multiply_adds: float = 1e17, progress: bool = True) -> TrainingResult:
    r"""Train a batch of Gaussian-initialised MLPs on a classification problem, all in one stacked computation.

    Parameters
    ----------
    widths : sequence of int, or sequence of sequences of int
        ``[N_0, ..., N_L]`` shared by all networks, or one such list per network (e.g. different depths; see
        :mod:`rglib.nets.architectures`). ``N_0`` is the input width, ``N_L`` the number of classes.
    sigma_w2 : float or sequence of float
        Weight variance :math:`\sigma_w^2 > 0` of each network (a scalar is shared).
    seeds : int or sequence of int
        Initialisation seed of each network: network ``k`` starts as
        ``GaussianMLP(widths[k], sigma_w2[k], sigma_b2[k], seed=seeds[k])``. A shared scalar seed gives all
        networks of one shape the same underlying normals (common random numbers).
    x_train, y_train : array or tensor, shapes (n, N_0) and (n,)
        Training inputs (the papers use pixels in [0, 1]) and integer labels in ``[0, N_L)``.
    x_test, y_test : array or tensor, shapes (m, N_0) and (m,)
        Test (validation) set, evaluated at initialisation and after every epoch.
    lr : float
        Learning rate (the papers: 0.005 with momentum 0.8, Erdmenger et al.; 1e-3 without, Thurn et al.).
    n_epochs : int
        Maximum number of epochs.
    sigma_b2 : float or sequence of float
        Bias variance :math:`\sigma_b^2 \ge 0` (0.05 in both papers).
    batch_size : int
        Minibatch size (64 in both papers).
    optimizer : {'sgd', 'adam'}
    momentum : float
        SGD momentum in [0, 1) (``optimizer='sgd'`` only).
    betas, eps : Adam parameters (``optimizer='adam'`` only; defaults as ``torch.optim.Adam``).
    data_seed : int or numpy.random.Generator
        Seed of the minibatch order, shared by all networks (required when ``shuffle``); see :func:`epoch_orders`.
    shuffle : bool
        Draw a new sample order each epoch (else the data order is used every epoch).
    drop_last : bool
        Skip the last, incomplete minibatch of each epoch.
    accuracy_threshold : float or sequence of float, optional
        Stop training a network after the first epoch whose test accuracy exceeds this value (in [0, 1]).
    activation : {'tanh', 'relu', 'linear'}
    final_activation : bool
        Apply the activation after the last layer too, so the logits are tanh outputs (papers' code).
    softmax_output : bool
        Put a softmax between the output and the cross entropy (Thurn et al.'s double softmax).
    device : str or torch.device, optional
        Where to train (default CPU). Initialisations are drawn on the CPU, so they do not depend on the device.
    dtype : torch.float32 or torch.float64
    eval_batch_size : int
        Test samples per forward pass in the evaluation (memory only; results do not depend on it).
    return_networks : bool
        Return the trained networks as ``GaussianMLP`` objects.
    snapshot_epochs : sequence of int
        Epochs (0 = initialisation) after which copies of all networks are kept, e.g. ``(1, 15)`` for the
        "pre-" and "post-training" networks of Erdmenger et al. A network that stopped earlier contributes
        its final parameters.
    max_multiply_adds : float
        Refuse runs whose estimated cost (:func:`training_cost`, summed over networks) exceeds this.
    progress : bool
        Show a tqdm progress bar over minibatch steps.

    Returns
    -------
    TrainingResult

    Notes
    -----
    Memory: parameters (plus one or two copies for momentum/Adam state) of all networks of one shape, and
    activations ``n_nets x batch_size x sum(widths)``; gradients are applied layer by layer and never stored.
    Same arguments give bit-identical results on the same machine and thread count; a network's result agrees
    with training it alone (or with a plain ``torch.optim`` loop) to floating-point rounding, because batched
    and single matrix products sum in different orders.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((200, 6), dtype=np.float32)
    >>> y = (x[:, 0] > x[:, 1]).astype(np.int64)               # linearly separable, two classes
    >>> res = train_networks([6, 16, 16, 2], sigma_w2=[1.0, 1.5, 2.0], seeds=[0, 1, 2],
    ...                      x_train=x[:150], y_train=y[:150], x_test=x[150:], y_test=y[150:],
    ...                      lr=0.05, momentum=0.8, n_epochs=20, data_seed=0, accuracy_threshold=0.9,
    ...                      final_activation=False, progress=False)
    >>> res.test_accuracy.shape
    (3, 20)
    >>> bool((res.final_test_accuracy > 0.9).all()), bool((res.epochs_to_threshold == res.epochs_trained).all())
    (True, True)
    """
    width_list, sw, sb, seed_arr = _network_specs(widths, sigma_w2, sigma_b2, seeds)
    n_nets = len(width_list)
    n_in, n_out = width_list[0][0], width_list[0][-1]
    for k, w in enumerate(width_list):
        if w[0] != n_in or w[-1] != n_out:
            raise ValueError(f"all networks need the same input and output widths; widths[{k}] = {w} differs "
                             f"from widths[0] = {width_list[0]}")
    n_epochs = check_int(n_epochs, "n_epochs")
    batch_size = check_int(batch_size, "batch_size")
    eval_batch_size = check_int(eval_batch_size, "eval_batch_size")
    lr = float(check_real_array(lr, "lr", lower=0, lower_strict=True))
    if not isinstance(optimizer, str) or optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam'; got {optimizer!r}")
    momentum = float(check_real_array(momentum, "momentum", lower=0, what="0 <= momentum < 1"))
    if momentum >= 1:
        raise ValueError(f"momentum must satisfy 0 <= momentum < 1; got {momentum}")
    if optimizer == "adam" and momentum:
        raise ValueError("momentum applies to optimizer='sgd' only; Adam's momentum is betas[0]")
    b = check_real_array(betas, "betas", lower=0, what="0 <= beta < 1")
    if b.shape != (2,) or np.any(b >= 1):
        raise ValueError(f"betas must be two numbers in [0, 1); got {betas!r}")
    eps = float(check_real_array(eps, "eps", lower=0, lower_strict=True))
    for name, flag in (("shuffle", shuffle), ("drop_last", drop_last), ("final_activation", final_activation),
                       ("softmax_output", softmax_output), ("return_networks", return_networks),
                       ("progress", progress)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool; got {type(flag).__name__}")
    if not isinstance(activation, str) or activation not in ("tanh", "relu", "linear"):
        raise ValueError(f"activation must be one of tanh, relu, linear; got {activation!r}")
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64; got {dtype}")
    device = _check_device(device)
    if accuracy_threshold is None:
        threshold = np.full(n_nets, np.inf)
    else:
        threshold = check_real_array(accuracy_threshold, "accuracy_threshold", lower=0, upper=1)
        if threshold.ndim > 1 or threshold.size not in (1, n_nets):
            raise ValueError(f"accuracy_threshold must be a number or one number per network ({n_nets})")
        threshold = np.broadcast_to(threshold.reshape(-1), (n_nets,)).copy()
    if isinstance(snapshot_epochs, (str, bytes)) or not isinstance(snapshot_epochs, Sequence):
        raise TypeError("snapshot_epochs must be a sequence of ints")
    snap_set = {check_int(e, f"snapshot_epochs[{i}]", minimum=0, maximum=n_epochs)
                for i, e in enumerate(snapshot_epochs)}

    xtr, ytr = _check_data(x_train, y_train, "train", n_in, n_out, device, dtype)
    xte, yte = _check_data(x_test, y_test, "test", n_in, n_out, device, dtype)
    n_train, n_test = xtr.shape[0], xte.shape[0]
    n_batches = n_train // batch_size if drop_last else -(-n_train // batch_size)
    if n_batches == 0:
        raise ValueError(f"batch_size must be <= the number of training samples ({n_train}) when drop_last=True; "
                         f"got {batch_size}")
    if data_seed is not None and not isinstance(data_seed, np.random.Generator) and (
            isinstance(data_seed, (bool, np.bool_)) or not isinstance(data_seed, Integral) or data_seed < 0):
        raise TypeError(f"data_seed must be a non-negative int or a numpy.random.Generator; got {data_seed!r}")
    max_multiply_adds = float(check_real_array(max_multiply_adds, "max_multiply_adds", lower=0, lower_strict=True))
    cost = sum(training_cost(w, min(n_batches * batch_size, n_train), n_test, n_epochs) for w in width_list)
    if not cost <= max_multiply_adds:
        raise ValueError(f"estimated cost {cost:.3g} multiply-adds exceeds max_multiply_adds = "
                         f"{max_multiply_adds:.3g}; reduce the grid, epochs or data, or raise max_multiply_adds")
    orders = torch.from_numpy(epoch_orders(n_train, n_epochs, seed=data_seed, shuffle=bool(shuffle))).to(device)

    test_acc = np.full((n_nets, n_epochs), np.nan)
    test_loss = np.full((n_nets, n_epochs), np.nan)
    train_loss = np.full((n_nets, n_epochs), np.nan)
    initial_acc = np.empty(n_nets)
    epochs_trained = np.zeros(n_nets, dtype=np.int64)
    epochs_to_threshold = np.full(n_nets, -1, dtype=np.int64)
    snapshots: dict[int, list] = {e: [None] * n_nets for e in sorted(snap_set)}
    keep_params = return_networks or bool(snapshots)  # else no parameter copies are made
    final_params: list = [None] * n_nets

    groups: dict[tuple, list[int]] = {}
    for k, w in enumerate(width_list):
        groups.setdefault(tuple(w), []).append(k)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(groups) * n_epochs * n_batches, desc="training", unit="step")

    def evaluate(stack: StackedMLP) -> tuple[np.ndarray, np.ndarray]:
        return _evaluate(stack, xte, yte, eval_batch_size)

    def keep_snapshot(stack: StackedMLP, active: np.ndarray, epoch: int) -> None:
        if epoch in snapshots:
            for local, k in enumerate(active):
                snapshots[epoch][k] = stack.network_parameters(local)

    for group_widths, members in groups.items():
        members = np.asarray(members)
        stack = StackedMLP.initialised(list(group_widths), sw[members], sb[members], seed_arr[members],
                                       activation=activation, final_activation=bool(final_activation),
                                       softmax_output=bool(softmax_output), device=device, dtype=dtype)
        active = members.copy()
        initial_acc[active] = evaluate(stack)[0]
        keep_snapshot(stack, active, 0)
        for epoch in range(1, n_epochs + 1):
            order = orders[epoch - 1]
            loss_sum = torch.zeros(len(active), dtype=torch.float64, device=device)
            for j in range(n_batches):
                idx = order[j * batch_size:(j + 1) * batch_size]
                xb, yb = xtr.index_select(0, idx), ytr.index_select(0, idx)
                if optimizer == "sgd":
                    loss_sum += stack.sgd_step(xb, yb, lr, momentum).double()
                else:
                    loss_sum += stack.adam_step(xb, yb, lr, (float(b[0]), float(b[1])), eps).double()
                if bar is not None:
                    bar.update(1)
            acc, tloss = evaluate(stack)
            train_loss[active, epoch - 1] = (loss_sum / n_batches).cpu().numpy()
            test_acc[active, epoch - 1] = acc
            test_loss[active, epoch - 1] = tloss
            epochs_trained[active] = epoch
            keep_snapshot(stack, active, epoch)
            reached = acc > threshold[active]
            epochs_to_threshold[active[reached]] = epoch
            if reached.any():
                for local in np.nonzero(reached)[0] if keep_params else ():
                    final_params[active[local]] = stack.network_parameters(int(local))
                keep = np.nonzero(~reached)[0]
                active = active[keep]
                if active.size == 0:
                    break
                stack.select(torch.from_numpy(keep))
        for local, k in enumerate(active if keep_params else ()):
            final_params[k] = stack.network_parameters(local)
        for k in members:  # a network that stopped early: its final parameters stand for later snapshots
            for e in snapshots:
                if snapshots[e][k] is None:
                    snapshots[e][k] = final_params[k]
        if bar is not None:
            bar.n = min(bar.total, bar.n + (n_epochs - int(epochs_trained[members].max())) * n_batches)
            bar.refresh()
        del stack
    if bar is not None:
        bar.close()

    def as_networks(params_list) -> list[GaussianMLP]:
        return [as_gaussian_mlp(p, sw[k], sb[k], seed_arr[k], activation=activation,
                                final_activation=bool(final_activation)) for k, p in enumerate(params_list)]

    final_acc = np.array([test_acc[k, epochs_trained[k] - 1] for k in range(n_nets)])
    return TrainingResult(test_accuracy=test_acc, test_loss=test_loss, train_loss=train_loss,
                          initial_test_accuracy=initial_acc, final_test_accuracy=final_acc,
                          epochs_trained=epochs_trained, epochs_to_threshold=epochs_to_threshold,
                          networks=as_networks(final_params) if return_networks else None,
                          snapshots={e: as_networks(v) for e, v in snapshots.items()})
