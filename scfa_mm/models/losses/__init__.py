from .supcon_loss import SupConLoss, all_gather_with_grad

__all__ = ['SupConLoss', 'all_gather_with_grad']
