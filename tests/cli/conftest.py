"""CLI tests run in an empty workspace (the shipped data and standards apply)."""

from tests.fixtures import fast_hashes, isolated_home, layers  # noqa: F401  (fixtures)
from tests.loaders.conftest import home  # noqa: F401  (fixture)
