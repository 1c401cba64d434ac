"""Streamlit glue for the hoviz app, one job per module; the only code besides the pages that imports Streamlit
(hoviz/ never does). `frame`: page table, navigation, sidebar. `url_state`: widgets bound to URL parameters.
`zoo`: the zoo, loaded models, the require_* preambles. `cached`: cached wrappers of hoviz.views. `exports`:
charts and download buttons.
"""
