"""hoviz: the Streamlit frame. Page config, navigation over the seven pages (`pages/`, see pages/glue/page_table.PAGES),
the shared sidebar (model, prompt, export format); each page only arranges what hoviz.views returns. The whole
view state lives in the URL: a link reproduces what its sender saw.

    make app        # or: .venv/bin/streamlit run app.py
"""

from pages.glue import frame

frame.frame()
