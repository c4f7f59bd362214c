"""Documents for the ingestion tests, generated here rather than committed as binaries."""

from __future__ import annotations

from pathlib import Path

import docx
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

RUNNING_HEADER = "Anytown Perinatal Mental Health Strategy 2024"


class _Report(FPDF):
    """A PDF with a running header and a 'Page N of M' footer on every page."""

    def header(self) -> None:
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, RUNNING_HEADER, new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")


def make_pdf(
    path: Path, pages: list[str], title: str | None = None, sections: dict[int, str] | None = None
) -> Path:
    """One page per string; ``\\n`` in a string forces a line break there."""
    pdf = _Report()
    if title:
        pdf.set_title(title)
        pdf.set_author("Anytown Integrated Care Board")
    for n, text in enumerate(pages, start=1):
        pdf.add_page()
        if sections and n in sections:
            pdf.start_section(sections[n])
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def make_encrypted_pdf(path: Path, source: Path) -> Path:
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def make_image_only_pdf(path: Path, pages: int = 2) -> Path:
    """Pages with drawings and no text: what a scan without OCR looks like to a reader."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.rect(20, 20, 120, 80, style="F")
    pdf.output(str(path))
    return path


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.core_properties.title = "Best Start for Life plan"
    document.core_properties.author = "Anytown Council"
    document.add_heading("Best Start for Life plan", level=0)
    document.add_paragraph("Anytown Council published this plan for families in 2024.")
    document.add_heading("Family hubs", level=1)
    document.add_heading("Perinatal support", level=2)
    document.add_paragraph(
        "Every family hub in Anytown offers perinatal mental health support. "
        "Parents can refer themselves without seeing a doctor first."
    )
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, (("Hub", "Opened"), ("North hub", "2023")), strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_heading("Funding", level=1)
    document.add_paragraph("The plan is funded until March 2025 by the local authority.")
    document.save(str(path))
    return path


HTML_PAGE = """<!doctype html>
<html lang="en"><head><title>Anytown JSNA: early years</title>
<style>body { color: red }</style><script>var tracking = "do not index";</script></head>
<body>
<nav><a href="/">Home</a> <a href="/jsna">JSNA</a></nav>
<main>
<h1>Early years needs assessment</h1>
<p>This chapter describes the needs of babies and young children in Anytown.</p>
<h2>Births</h2>
<p>There were 3,200 live births in Anytown in 2023, &amp; the number is falling.</p>
<h3>Teenage parents</h3>
<ul><li>One in twenty births was to a mother under twenty.</li></ul>
</main>
<footer>Contact the public health team</footer>
</body></html>
"""

MARKDOWN_DOC = """---
title: Anytown workforce review
---

# Anytown workforce review

Intro paragraph about the **workforce** review of [parent-infant](https://example.org) staff.

## Training

- Health visitors completed training in video interaction guidance in 2024.
- Midwives were offered the same training.
"""
