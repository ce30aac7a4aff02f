"""The summary ("fiche récapitulative"): every answer in French and in the applicant's language.

Answers come in the order the ANEF portal asks for them, each row in French
with the applicant's language beside it, so that the mediator can copy them
into the portal quickly; then the documents provided and missing, the fees,
the filing window, what happens next and where to get help, with a reference
number and a QR code carrying only that reference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from babel import Locale

from forms import flow
from forms.deadlines import Timing, filing_window
from forms.display import Formatter
from forms.schema import Document, Procedure

from . import messages as m
from .layout import MUTED, Style
from .layout import Document as PdfDocument

#: Contacts printed on every summary (../shared/docs/domain.md §4: arrêté of 1 August 2023).
HELP_PHONE = "0806 001 620"
ANEF_ADDRESS = "administration-etrangers-en-france.interieur.gouv.fr"


@dataclass(frozen=True)
class DossierContext:
    """Everything the summary and the receipt say."""

    procedure: Procedure
    answers: dict[str, Any]
    reference: str
    today: dt.date
    french: Formatter
    local: Formatter
    pages: dict[str, int] = field(default_factory=dict)  # document id → pages provided
    resume_code: str | None = None

    @property
    def language(self) -> str:
        """The applicant's language."""
        return self.local.language

    @property
    def bilingual(self) -> bool:
        """Whether the applicant's language is not French."""
        return self.language != "fr"

    @property
    def rtl(self) -> bool:
        """Whether the applicant's language is written right to left."""
        # Babel's locale data: kiosk.i18n's directions agree with it (tests/test_i18n_languages.py).
        return Locale.parse(self.language).text_direction == "rtl"

    def documents(self) -> list[Document]:
        """The documents required for these answers."""
        return flow.required_documents(self.procedure, self.answers)

    def missing(self) -> list[Document]:
        """Required documents with no page."""
        return [d for d in self.documents() if not self.pages.get(d.id)]


def deadline_text(context: DossierContext, formatter: Formatter) -> str | None:
    """When to file, for a renewal, in the formatter's language."""
    rule = context.procedure.deadline
    answers = flow.prune(context.procedure, context.answers)
    if rule is None or rule.field not in answers:
        return None
    window = filing_window(rule, dt.date.fromisoformat(answers[rule.field]), context.today)
    say = formatter.translator.gettext
    day = formatter.day
    if window.timing is Timing.TOO_EARLY:
        return say(m.WINDOW_LATER, opens=day(window.opens_on), closes=day(window.closes_on))
    if window.timing is Timing.ON_TIME:
        return say(m.WINDOW_NOW, closes=day(window.closes_on))
    if window.timing is Timing.AFTER_WINDOW:
        return say(m.WINDOW_URGENT, date=day(window.expires_on))
    if window.timing is Timing.EXPIRED_LATE_FEE:
        return say(
            m.WINDOW_LATE, date=day(window.expires_on), fee=formatter.euros(window.extra_fee_eur)
        )
    return say(m.WINDOW_TOO_LATE)


class _Summary:
    """Writes the summary, French first, the applicant's language beside or under it."""

    def __init__(self, context: DossierContext) -> None:
        self.context = context
        self.french = context.french.translator
        self.local = context.local.translator
        self.pdf = PdfDocument(f"{self.french.gettext(m.SUMMARY)} — {context.reference}")
        self.side = "R" if context.rtl else "L"

    def say(self, message: str, style: Style | None = None, **values: Any) -> None:
        """A paragraph in French, then in the applicant's language.

        A value may be a function of the formatter, so that dates, amounts and
        labels inside the sentence are written in each sentence's language.
        """
        style = style or Style()
        context = self.context

        def written(formatter: Formatter) -> str:
            filled = {
                name: value(formatter) if callable(value) else value
                for name, value in values.items()
            }
            return formatter.translator.gettext(message, **filled)

        self.pdf.paragraph(written(context.french), style, gap=0.5 if context.bilingual else 1.5)
        if context.bilingual:
            local_style = Style(style.size, style.bold, MUTED)
            self.pdf.paragraph(written(context.local), local_style, context.rtl)

    def heading(self, message: str) -> None:
        french, local = self.french.gettext(message), self.local.gettext(message)
        if self.context.bilingual and not self.context.rtl:
            self.pdf.heading(f"{french} — {local}")
            return
        self.pdf.heading(french)
        if self.context.bilingual:
            self.pdf.paragraph(local, Style(11, True), rtl=True)

    def title(self) -> None:
        pdf, context = self.pdf, self.context
        pdf.qr(context.reference, x=pdf.w - 15 - 30, y=12, size=30)
        beside_qr = pdf.usable_width - 35
        pdf.paragraph(self.french.gettext(m.SUMMARY), Style(18, True), gap=0, width=beside_qr)
        if context.bilingual:
            local = self.local.gettext(m.SUMMARY)
            pdf.paragraph(local, Style(18, True), context.rtl, gap=0, width=beside_qr)
        pdf.ln(1)
        self.say(context.procedure.title, Style(12, True))
        self.say(m.REFERENCE, reference=context.reference, date=lambda f: f.day(context.today))
        pdf.set_y(max(pdf.get_y(), 46))

    def deadline(self) -> None:
        french = deadline_text(self.context, self.context.french)
        if not french:
            return
        self.heading(m.WHEN)
        self.pdf.paragraph(french, Style(10, True))
        local = deadline_text(self.context, self.context.local)
        if self.context.bilingual and local:
            self.pdf.paragraph(local, Style(10, True, MUTED), self.context.rtl)

    def answers(self) -> None:
        context = self.context
        kept = flow.prune(context.procedure, context.answers)
        section = None
        rows: list[list[str]] = []
        for page, fields in flow.answered_pages(context.procedure, kept):
            if page.section != section:
                self.table(rows)
                section = page.section
                self.heading(page.section)
            for one in fields:
                value = kept.get(one.id)
                row = [
                    one.portal_label or self.french.gettext(one.label),
                    context.french.answer(one, value) if value is not None else "—",
                ]
                if context.bilingual:
                    row += [
                        self.local.gettext(one.label),
                        context.local.answer(one, value) if value is not None else "—",
                    ]
                rows.append(row)
        self.table(rows)

    def table(self, rows: list[list[str]]) -> None:
        if not rows:
            return
        if self.context.bilingual:
            widths: tuple[float, ...] = (26, 24, 26, 24)
            if self.context.rtl:
                # French reads from the left edge, the translation from the right edge.
                rows[:] = [[*row[:2], *reversed(row[2:])] for row in rows]
                widths = (26, 24, 24, 26)
            self.pdf.rows(rows, widths, ("L", "L", self.side, self.side))
        else:
            self.pdf.rows(rows, (45, 55), ("L", "L"))
        rows.clear()

    def documents(self) -> None:
        context = self.context
        self.heading(m.DOCUMENTS)
        rows = []
        for number, document in enumerate(context.documents(), start=1):
            count = context.pages.get(document.id, 0)
            statuses = [
                translator.ngettext(*m.PAGES, count) if count else translator.gettext(m.MISSING)
                for translator in (self.french, self.local)
            ]
            row = [f"{number:02d}", self.french.gettext(document.title), statuses[0]]
            if context.bilingual:
                row += [self.local.gettext(document.title), statuses[1]]
            rows.append(row)
        if context.bilingual and context.rtl:
            rows = [[*row[:3], *reversed(row[3:])] for row in rows]
            self.pdf.rows(rows, (8, 36, 14, 14, 28), ("L", "L", "L", "R", "R"))
        elif context.bilingual:
            self.pdf.rows(rows, (8, 36, 14, 28, 14), ("L", "L", "L", "L", "L"))
        else:
            self.pdf.rows(rows, (8, 72, 20), ("L", "L", "L"))

    def fees_and_next_steps(self) -> None:
        context = self.context
        kept = flow.prune(context.procedure, context.answers)
        fees = flow.fees_due(context.procedure, kept)
        if fees:
            self.heading(m.FEES)
            for fee in fees:
                self.say(
                    m.FEE_LINE,
                    label=lambda f, label=fee.label: f.translator.gettext(label),
                    amount=lambda f, amount=fee.amount_eur: f.euros(amount),
                )
            self.say(m.STAMP)
        self.heading(m.NEXT)
        self.say(m.STEP_ANEF, address=ANEF_ADDRESS)
        if kept.get("ephoto_code"):
            self.say(m.STEP_PHOTO_CODE, code=kept["ephoto_code"])
        else:
            self.say(m.STEP_PHOTO)
        self.say(m.STEP_KEEP)
        self.heading(m.HELP)
        self.say(m.HELP_LINE, phone=HELP_PHONE)
        self.say(m.SUBSTITUTE)


def summary_pdf(context: DossierContext) -> bytes:
    """Build the fiche récapitulative."""
    summary = _Summary(context)
    summary.title()
    summary.deadline()
    summary.answers()
    summary.documents()
    summary.fees_and_next_steps()
    return summary.pdf.output_bytes()
