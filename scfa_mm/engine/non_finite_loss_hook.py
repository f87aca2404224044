"""Stop (or skip the step) when training diverges to NaN or infinity."""
import functools
import logging
from typing import Dict, List, Optional, Union

import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict

from ..utils.arguments import check_choice, check_int

DATA_BATCH = Optional[Union[dict, tuple, list]]

ACTIONS = ('stop', 'skip')


class NonFiniteLossError(RuntimeError):
    """Training diverged: a loss, gradient or weight is NaN or infinite."""


def non_finite_tensors(state_dict: Dict[str, torch.Tensor]) -> List[str]:
    """The names of the floating-point tensors of ``state_dict`` holding a
    NaN or an infinity."""
    return [
        name for name, value in state_dict.items()
        if torch.is_tensor(value) and value.is_floating_point()
        and not bool(torch.isfinite(value).all())
    ]


def loss_terms(outputs: Dict) -> str:
    """The loss dict a model's ``train_step`` returned, as
    ``'name=value, ...'`` (tensors averaged)."""
    terms = []
    for key, value in outputs.items():
        if torch.is_tensor(value):
            value = value.detach().float().mean().item()
        if isinstance(value, (int, float)):
            terms.append(f'{key}={value:.4g}')
    return ', '.join(terms)


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Check each optimizer step for a non-finite loss or gradient norm,
    before the step is applied.

    A learning rate too high makes the loss NaN, and MMEngine trains on:
    every later checkpoint holds NaN weights, a "best" checkpoint can be
    replaced by one (accuracy of a NaN model is not NaN), and the rotation
    of ``max_keep_ckpts`` deletes the good ones. This hook wraps the
    optimizer wrapper's ``backward`` and ``step`` (whatever its type): when
    the loss or the total gradient norm of a step is NaN or infinite on any
    rank (the ranks agree through one all-reduced flag), the step is not
    applied and the gradients are cleared. Then, at the end of the
    iteration, with ``on_non_finite='stop'`` training stops with a
    :class:`NonFiniteLossError` naming the iteration and the loss terms,
    before any checkpoint of the iteration or epoch is saved; with
    ``'skip'`` the step stays skipped (normalization statistics restored
    too) and training goes on, until more than ``max_skipped_steps`` steps
    have been skipped.

    As a last guard, before the checkpoint hook saves at the end of an
    epoch or after validation (where it deletes the previous "best" file
    first), the model's weights and buffers are checked: non-finite ones
    stop the run there.

    With ``AmpOptimWrapper`` (float16 loss scaling) only the loss is
    checked: infinite gradients are the loss scaler's business (it skips
    those steps and lowers the scale).

    Args:
        on_non_finite (str): ``'stop'`` (default) or ``'skip'``.
        max_skipped_steps (int): With ``'skip'``, the number of skipped
            steps tolerated over the run; one more stops it. Defaults to 10.
        check_grad_norm (bool): Check the total gradient norm as well as
            the loss. Defaults to True.
    """

    # before CheckpointHook (VERY_LOW) in every stage
    priority = 'ABOVE_NORMAL'

    def __init__(self,
                 on_non_finite: str = 'stop',
                 max_skipped_steps: int = 10,
                 check_grad_norm: bool = True) -> None:
        check_choice('NonFiniteLossHook', 'on_non_finite', on_non_finite,
                     ACTIONS)
        check_int(
            'NonFiniteLossHook',
            minimum=0,
            max_skipped_steps=max_skipped_steps)
        self.on_non_finite = on_non_finite
        self.max_skipped_steps = max_skipped_steps
        self.check_grad_norm = check_grad_norm
        self.skipped_steps = 0
        # what went wrong in this iteration's step(s), if anything
        self._problem: Optional[str] = None
        # whether the step's losses were finite, kept on the loss's device
        # until the step: one host sync per step, not one per backward
        self._loss_finite: Optional[torch.Tensor] = None
        self._buffers: Optional[List[torch.Tensor]] = None
        self._training = False

    def before_train(self, runner) -> None:
        self._training = True
        wrappers = runner.optim_wrapper
        if isinstance(wrappers, OptimWrapperDict):
            wrappers = list(wrappers.values())
        else:
            wrappers = [wrappers]
        for wrapper in wrappers:
            if not getattr(wrapper, '_non_finite_checked', False):
                self._wrap(wrapper)

    def _wrap(self, wrapper: OptimWrapper) -> None:
        """Wrap this instance's ``backward`` (notes whether the loss is
        finite) and ``step`` (applies it only if loss and gradients are)."""
        backward, step = wrapper.backward, wrapper.step
        check_grads = self.check_grad_norm and not isinstance(
            wrapper, AmpOptimWrapper)

        @functools.wraps(backward)
        def checked_backward(loss: torch.Tensor, **kwargs) -> None:
            # accumulated over the backward passes of one step
            finite = torch.isfinite(loss.detach()).all()
            self._loss_finite = finite if self._loss_finite is None else \
                self._loss_finite & finite
            backward(loss, **kwargs)

        @functools.wraps(step)
        def checked_step(**kwargs) -> None:
            loss_finite = torch.tensor(True) \
                if self._loss_finite is None else self._loss_finite
            self._loss_finite = None
            grad_norm = None
            if check_grads:
                grads = [
                    p.grad for group in wrapper.optimizer.param_groups
                    for p in group['params'] if p.grad is not None
                ]
                if grads:
                    grad_norm = torch.nn.utils.get_total_norm(grads)
            grad_finite = torch.tensor(True) if grad_norm is None else \
                torch.isfinite(grad_norm)
            bad = torch.stack(
                [~loss_finite.to(grad_finite.device), ~grad_finite]).float()
            # every rank skips the same steps (losses differ per rank);
            # the step's one host sync
            all_reduce(bad, op='max')
            bad_loss, bad_grad = bad.tolist()
            if not (bad_loss or bad_grad):
                step(**kwargs)
                return
            terms = []
            if bad_loss:
                terms.append('loss')
            if bad_grad:
                norm = 'not finite on another rank' if grad_norm is None \
                    else float(grad_norm)
                terms.append(f'gradient norm ({norm})')
            self._problem = ' and '.join(terms) + ' not finite'

        wrapper.backward = checked_backward
        wrapper.step = checked_step
        wrapper._non_finite_checked = True

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        if self.on_non_finite == 'skip':
            # the forward pass updates normalization statistics before the
            # loss is known: keep them to restore on a skipped step
            model = getattr(runner.model, 'module', runner.model)
            self._buffers = [b.detach().clone() for b in model.buffers()]

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        if self._problem is None:
            return
        problem, self._problem = self._problem, None
        terms = loss_terms(outputs or {})
        where = (f'iteration {runner.iter + 1} (epoch {runner.epoch + 1}, '
                 f'batch {batch_idx + 1}/{len(runner.train_dataloader)})')
        if self.on_non_finite == 'skip':
            self.skipped_steps += 1
            model = getattr(runner.model, 'module', runner.model)
            for kept, buffer in zip(self._buffers or [], model.buffers()):
                buffer.copy_(kept)
            if self.skipped_steps <= self.max_skipped_steps:
                print_log(
                    f'Non-finite training at {where}: {problem} ({terms}); '
                    f'step skipped ({self.skipped_steps} of at most '
                    f'{self.max_skipped_steps}).',
                    logger='current',
                    level=logging.WARNING)
                return
            raise NonFiniteLossError(
                f'Training diverged: {problem} at {where} ({terms}), the '
                f'skipped step number {self.skipped_steps}, more than '
                f'NonFiniteLossHook.max_skipped_steps='
                f'{self.max_skipped_steps}. {self._advice()}')
        raise NonFiniteLossError(
            f'Training diverged: {problem} at {where} ({terms}). The step '
            'was not applied and no checkpoint is saved from here. '
            f'{self._advice()}')

    @staticmethod
    def _advice() -> str:
        return ('Lower the learning rate (optim_wrapper.optimizer.lr), clip '
                'gradients (optim_wrapper.clip_grad=dict(max_norm=...)), or '
                "let NonFiniteLossHook(on_non_finite='skip', "
                'max_skipped_steps=N) skip rare bad steps; resume from the '
                'last good checkpoint with --resume <file>.')

    def after_train_epoch(self, runner) -> None:
        self._check_weights(runner, f'training epoch {runner.epoch + 1}')

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        if self._training:  # not when only validating or testing
            self._check_weights(runner,
                                f'validation after epoch {runner.epoch}')

    def after_train(self, runner) -> None:
        self._training = False

    def _check_weights(self, runner, stage: str) -> None:
        model = getattr(runner.model, 'module', runner.model)
        bad = non_finite_tensors(model.state_dict())
        if bad:
            shown = ', '.join(bad[:5]) + (', ...' if len(bad) > 5 else '')
            raise NonFiniteLossError(
                f'Training diverged: after {stage}, '
                f'{len(bad)} of the model\'s tensors hold NaN or infinity '
                f'({shown}); no checkpoint is saved from them. '
                f'{self._advice()}')
