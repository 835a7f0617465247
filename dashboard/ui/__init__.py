"""The Streamlit edge: the app and server entries, page state, caching, shared widgets and
each page's glue. With :mod:`pages`, the only code that imports Streamlit."""
