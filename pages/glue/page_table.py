"""The app's one page table: (file, title, icon, URL path) per page, the first the default. Streamlit-free, so the
tests and scripts/bench_app.py read it too. A new page is a file `pages/N_name.py` plus one row here.
"""

PAGES = [  # (file, title, icon, url_path); the first is the default page
    ("pages/1_prompt.py", "Prompt", ":material/text_fields:", "prompt"),
    ("pages/2_attention.py", "Attention graph", ":material/hub:", "attention"),
    ("pages/3_threeway.py", "3-way interactions", ":material/change_history:", "threeway"),
    ("pages/4_audit.py", "Causality audit", ":material/policy:", "audit"),
    ("pages/5_complex.py", "Simplicial complex & persistence", ":material/bubble_chart:", "complex"),
    ("pages/6_compare.py", "Compare", ":material/compare:", "compare"),
    ("pages/7_expressivity.py", "Expressivity lab", ":material/science:", "expressivity"),
    ("pages/8_evidence.py", "Evidence", ":material/biotech:", "evidence"),
]
PAGE_FILES = {url: path for path, _, _, url in PAGES}  # url path -> page file, for tests and benchmarks
IGNORES_SIDEBAR = ("compare", "expressivity")  # pages that read every model, not the sidebar's model and prompt
