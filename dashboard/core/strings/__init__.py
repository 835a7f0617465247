"""Per-page UI strings: each module defines ``STRINGS = {key: (zh, en)}``.

:mod:`dashboard.core.i18n` merges every module of this package into one dictionary at
import time and refuses duplicate keys, so pages can add their texts without
editing a shared file.
"""
