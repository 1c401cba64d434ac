"""hoviz: the Streamlit frame. Page config, the shared sidebar (model, prompt, export format) and navigation over
the seven pages; each page only arranges what the library returns. The whole view state lives in the URL.

    make app        # or: .venv/bin/streamlit run app.py
"""

import streamlit as st

from pages import common

st.set_page_config(page_title="hoviz", page_icon="△", layout="wide")

PAGES = [
    st.Page("pages/1_prompt.py", title="Prompt", icon=":material/text_fields:", url_path="prompt", default=True),
    st.Page("pages/2_attention.py", title="Attention graph", icon=":material/hub:", url_path="attention"),
    st.Page("pages/3_threeway.py", title="3-way interactions", icon=":material/change_history:", url_path="threeway"),
    st.Page("pages/4_audit.py", title="Causality audit", icon=":material/policy:", url_path="audit"),
    st.Page("pages/5_complex.py", title="Simplicial complex & persistence", icon=":material/bubble_chart:",
            url_path="complex"),
    st.Page("pages/6_compare.py", title="Compare", icon=":material/compare:", url_path="compare"),
    st.Page("pages/7_expressivity.py", title="Expressivity lab", icon=":material/science:", url_path="expressivity"),
]

page = st.navigation(PAGES)
common.start_run()
common.sidebar()
page.run()
common.finish_run()
