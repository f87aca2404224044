"""Where the repository is, for the analysis tools that name its configs
and docs by their paths in it (whatever the working directory)."""
import os.path as osp

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
