"""Distributed helpers of the contrastive losses and algorithms.

Every helper is the identity (or rank 0's answer) outside a process group of
several ranks, so single-process code needs no branches.
"""
from typing import Tuple

import torch
import torch.distributed as torch_dist
from mmengine import dist


class _AllGatherWithGrad(torch.autograd.Function):
    """``all_gather`` whose backward returns to each rank the *sum over all
    ranks* of the gradient with respect to its slice."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        gathered = [
            torch.empty_like(tensor) for _ in range(dist.get_world_size())
        ]
        torch_dist.all_gather(gathered, tensor.contiguous())
        return tuple(gathered)

    @staticmethod
    def backward(ctx, *grads: torch.Tensor) -> torch.Tensor:
        # Each rank holds its own loss's gradient for every slice; the
        # slice's owner needs the sum over ranks. all_reduce works on every
        # backend (gloo has no reduce_scatter for all dtypes); the gathered
        # embeddings are small, so the extra traffic does not matter.
        grad = torch.stack(grads).contiguous()
        torch_dist.all_reduce(grad)
        return grad[dist.get_rank()]


def all_gather_with_grad(tensor: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """Gather ``tensor`` from every rank, keeping the autograd graph.

    Unlike the ``GatherLayer`` of SimCLR implementations, which keeps only
    the local slice of the gradient, the backward sums every rank's gradient
    terms into the owner's slice. Each rank can then compute the loss of its
    *local* anchors against the gathered batch, and DDP's gradient averaging
    reproduces single-process training on the global batch exactly.

    Args:
        tensor (torch.Tensor): ``(N, ...)``, the same shape on every rank
            (see :func:`check_same_rows`).

    Returns:
        tuple[torch.Tensor]: One ``(N, ...)`` tensor per rank, in rank
        order; ``(tensor, )`` outside a process group.
    """
    if dist.get_world_size() < 2:
        return (tensor, )
    return _AllGatherWithGrad.apply(tensor)


def check_same_rows(tensor: torch.Tensor, what: str) -> None:
    """Raise if the ranks hold different numbers of rows of ``tensor``.

    A collective over tensors of different sizes aborts the process under
    gloo and hangs or corrupts memory under NCCL; this turns that into an
    error that says what happened.

    Args:
        tensor (torch.Tensor): ``(N, ...)`` on this rank.
        what (str): Names the rows in the message, e.g. ``'embeddings'``.

    Raises:
        RuntimeError: If the ``N`` differ between ranks.
    """
    if dist.get_world_size() < 2:
        return
    rows = torch.tensor([len(tensor)], device=tensor.device)
    counts = [int(count) for count in dist.all_gather(rows)]
    if len(set(counts)) > 1:
        raise RuntimeError(
            f'{what}: every rank must hold the same number of rows to be '
            f'gathered, got {counts} (rank order). Use a sampler that gives '
            "every rank equal batches, e.g. DefaultSampler's round_up=True "
            'with drop_last or a dataset size divisible by the global batch.')


def global_instance_ids(num_instances: int, repeats: int,
                        device: torch.device) -> torch.Tensor:
    """Ids unique to each instance across ranks, each repeated ``repeats``
    times in a row.

    Rank ``r`` numbers its instances from ``r * num_instances``; every rank
    must hold the same ``num_instances`` (the gathering losses check it).

    Args:
        num_instances (int): Instances on this rank (``B`` videos).
        repeats (int): Rows per instance (``V`` views), consecutive.

    Returns:
        torch.Tensor: ``(num_instances * repeats, )`` int64 ids.
    """
    first = dist.get_rank() * num_instances
    ids = torch.arange(first, first + num_instances, device=device)
    return ids.repeat_interleave(repeats)
