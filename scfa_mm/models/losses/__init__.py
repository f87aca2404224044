from .sequence_contrastive_loss import SequenceContrastiveLoss
from .supcon_loss import SupConLoss

__all__ = ['SequenceContrastiveLoss', 'SupConLoss']
