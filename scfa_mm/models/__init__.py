import mmaction.models  # noqa: F401  (fills MMAction2's registries first)
