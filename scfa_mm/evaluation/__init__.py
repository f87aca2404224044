from .reversed_pair_metric import ReversedPairMetric

__all__ = ['ReversedPairMetric']
