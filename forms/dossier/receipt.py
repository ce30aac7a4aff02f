"""The receipt the applicant takes home, in their own language only.

Their resume code, what was done, what is missing and what to do next.
"""

from __future__ import annotations

from . import messages as m
from .layout import Document as PdfDocument
from .layout import Style
from .summary import ANEF_ADDRESS, HELP_PHONE, DossierContext, deadline_text


def receipt_pdf(context: DossierContext) -> bytes:
    """Build the receipt."""
    translator = context.local.translator
    say = translator.gettext
    rtl = context.rtl
    pdf = PdfDocument(f"{say(m.RECEIPT)} — {context.reference}")
    pdf.paragraph(say(m.RECEIPT), Style(18, True), rtl)
    pdf.paragraph(say(context.procedure.title), Style(12, True), rtl)
    pdf.paragraph(
        say(m.REFERENCE, reference=context.reference, date=context.local.day(context.today)),
        rtl=rtl,
    )
    if context.resume_code:
        pdf.heading(say(m.RESUME_CODE), rtl)
        pdf.paragraph(context.resume_code, Style(20, True), rtl)
        pdf.paragraph(say(m.RESUME_HOW), rtl=rtl)
    pdf.heading(say(m.DONE), rtl)
    pdf.paragraph(say(m.ANSWERS_CHECKED), rtl=rtl)
    for document in context.documents():
        count = context.pages.get(document.id, 0)
        if count:
            pages = translator.ngettext(*m.PAGES, count)
            pdf.paragraph(f"✓ {say(document.title)} ({pages})", rtl=rtl, gap=0.5)
    missing = context.missing()
    if missing:
        pdf.heading(say(m.STILL_MISSING), rtl)
        for document in missing:
            pdf.paragraph(f"• {say(document.title)}", rtl=rtl, gap=0.5)
    pdf.heading(say(m.NEXT), rtl)
    deadline = deadline_text(context, context.local)
    if deadline:
        pdf.paragraph(deadline, Style(10, True), rtl)
    pdf.paragraph(say(m.STEP_ANEF, address=ANEF_ADDRESS), rtl=rtl)
    pdf.paragraph(say(m.STEP_KEEP), rtl=rtl)
    pdf.paragraph(say(m.HELP_LINE, phone=HELP_PHONE), rtl=rtl)
    return pdf.output_bytes()
