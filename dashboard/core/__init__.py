"""The core: the data model, the standards' rules, i18n and its strings, the shared view
state and text safety. Pure: no Streamlit, no file or workspace I/O; every other layer and
the loaders import it, it imports none of them."""
