"""Bytes of every Plotly chart a page sends (its JSON spec, per chart and per trace attribute), from one AppTest run:
where a page's weight goes before cutting it (e.g. the attention page: heatmap z, click targets, hover strings).

    .venv/bin/python scripts/profile_page_json.py pages/2_attention.py model=shakespeare-dense "prompt=ROMEO: ..."
"""

from __future__ import annotations

import collections
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import torch
from streamlit.testing.v1 import AppTest


def charts(node):
    for child in getattr(node, "children", {}).values():
        if getattr(child, "type", "") == "plotly_chart":
            yield child
        yield from charts(child)


def main(argv: list[str]) -> int:
    torch.set_num_threads(1)
    page, params = argv[0], dict(a.split("=", 1) for a in argv[1:])
    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=300)
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(page)
    at.run()
    if at.exception:
        print(at.exception[0].value, file=sys.stderr)
        return 1
    total = 0
    for chart in charts(at._tree):
        spec = chart.proto.spec
        total += len(spec)
        d = json.loads(spec)
        print(f"chart {len(spec) / 1e3:8.1f} kB  {str(d['layout'].get('title', {}).get('text', ''))[:50]!r}")
        per = collections.Counter()
        for t in d["data"]:
            for k, v in t.items():
                per[f"{t.get('name') or t['type']}.{k}"] += len(json.dumps(v))
        per["layout"] = len(json.dumps(d["layout"]))
        for name, b in per.most_common(8):
            print(f"     {b / 1e3:8.1f} kB  {name}")
    print(f"total {total / 1e3:.1f} kB of chart JSON")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
