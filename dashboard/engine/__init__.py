"""The engine: coverage, siting, accessibility, comparison, events, exploration, statistics,
scale-out and layer access. Pure functions on (Geo)DataFrames and arrays; imports only
:mod:`dashboard.core` and :mod:`loaders`."""
