from .distributed import (all_gather_with_grad, check_same_rows,
                          global_instance_ids)

__all__ = ['all_gather_with_grad', 'check_same_rows', 'global_instance_ids']
