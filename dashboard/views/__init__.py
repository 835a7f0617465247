"""The views: pydeck map layers, Vega-Lite charts, tables, report and export builders and
the served layer data. No Streamlit; imports the engine, the core and the loaders."""
