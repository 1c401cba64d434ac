"""Every document the code and docs cite exists in the repository, with the cited section; the library never
imports Streamlit or the app. Static checks over the files, no imports of the modules themselves."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = [*sorted((ROOT / "hoviz").rglob("*.py")), *sorted((ROOT / "pages").rglob("*.py")),
           *sorted((ROOT / "scripts").rglob("*")), *sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md",
           ROOT / "app.py", *sorted((ROOT / "checkpoints").glob("*.json")),  # sidecars' texts are shown in the app
           *sorted((ROOT / "benchmarks").rglob("*.md"))]
DOC_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.md)\b")
SECTION = re.compile(r"docs/theory\.md\s+§\s*(\d+(?:\.\d+)?)(?:\s*[-–,]\s*§?\s*(\d+(?:\.\d+)?))?")
OUTSIDE = re.compile(r"\b(RESEARCH\.md|ANCHORS\.md|STYLE\.md)\b|\bissues?\s+#?\d+|\bissue #\d+", re.IGNORECASE)


def scanned_texts():
    for p in SCANNED:
        if p.is_file() and p.suffix in (".py", ".md", ".sh", ".json", ""):
            yield p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8", errors="replace")


def theory_sections() -> set[str]:
    heads = re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", (ROOT / "docs" / "theory.md").read_text(), re.MULTILINE)
    return set(heads)


def test_the_scan_sees_the_files_it_checks():
    names = {name for name, _ in scanned_texts()}
    assert {"README.md", "docs/theory.md", "docs/architecture.md", "hoviz/cli.py",
            "checkpoints/shakespeare-simplicial2-leaky.json"} <= names


def test_every_cited_document_exists_in_the_repository():
    missing = []
    for name, text in scanned_texts():
        for m in DOC_PATH.finditer(text):
            cited = m.group(1)
            here = (ROOT / name).parent / cited
            if not (ROOT / cited).is_file() and not here.is_file():
                missing.append(f"{name}: {cited}")
    assert not missing, missing


def test_nothing_cites_notes_outside_the_repository_or_issue_numbers():
    found = [f"{name}: {m.group(0)}" for name, text in scanned_texts() for m in OUTSIDE.finditer(text)
             if name != "tests/test_docs.py"]
    assert not found, found


def test_every_cited_theory_section_exists():
    sections, bad = theory_sections(), []
    assert {"1", "2.3", "4.5", "6.2"} <= sections  # the headings are read as intended
    for name, text in scanned_texts():
        for m in SECTION.finditer(text):
            bad += [f"{name}: §{s}" for s in m.groups() if s and s not in sections]
    assert not bad, bad


def imported_modules(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
    return out


def test_the_library_never_imports_streamlit_or_the_app():
    bad = [f"{p.relative_to(ROOT)}: {m}" for p in sorted((ROOT / "hoviz").rglob("*.py"))
           for m in imported_modules(p) if m.split(".")[0] in ("streamlit", "pages", "app")]
    assert not bad, bad
