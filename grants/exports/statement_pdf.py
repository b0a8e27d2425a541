"""The funder's statement as a PDF, printed by WeasyPrint from the same figures and the same table partial as the
page (grants.reads.statement), so the page, the CSV and the PDF cannot disagree."""

from __future__ import annotations

from django.template.loader import render_to_string

from grants.reads.statement import FunderStatement


def render_pdf(statement: FunderStatement) -> bytes:
    # Imported here: WeasyPrint loads pango and its fonts, which no other page needs.
    from weasyprint import HTML

    html = render_to_string("funders/statement_pdf.html", {"statement": statement})
    return HTML(string=html).write_pdf()
