from .supcon_loss import SupConLoss

__all__ = ['SupConLoss']
