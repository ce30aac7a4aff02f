"""Document pages for the synthetic capture corpus, drawn with Pillow and cached in memory.

Five kinds: an A4 letter, an A4 payslip (a table), an A4 form, a TD3 passport data page (ID-3,
125 x 88 mm) and an ID-1 card (85.6 x 54 mm). Each kind has ``VARIANTS`` variants that differ in
content and paper. A rendering is a premultiplied BGRA array (the alpha channel cuts the card's
rounded corners) plus the strings drawn on it, in reading order.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

KINDS = ("a4_letter", "a4_table", "a4_form", "passport", "id_card")
A4_KINDS = KINDS[:3]
VARIANTS = 3
PAGE_MM = {k: (210.0, 297.0) for k in A4_KINDS} | {
    "passport": (125.0, 88.0),
    "id_card": (85.6, 54.0),
}
# A4 at 200 DPI (1654 x 2339 px) is finer than it ever appears in a 1080p frame. The small
# documents are drawn finer so that they stay sharp when they fill the frame: an ID-1 card at
# 95 % of 1080 px is seen at about 480 DPI.
DPI = {"a4_letter": 200, "a4_table": 200, "a4_form": 200, "passport": 300, "id_card": 400}
PAPERS = ((250, 250, 247), (246, 243, 233), (240, 236, 222))  # RGB: white, off-white, cream
INK = (25, 25, 28)
PEN = (28, 48, 140)  # ballpoint blue, for what the applicant filled in by hand

_TT = Path("/usr/share/fonts/truetype")
FONTS = {
    "sans": _TT / "dejavu/DejaVuSans.ttf",
    "sans_bold": _TT / "dejavu/DejaVuSans-Bold.ttf",
    "serif": _TT / "liberation/LiberationSerif-Regular.ttf",
    "narrow": _TT / "liberation/LiberationSansNarrow-Regular.ttf",
    "mono": _TT / "dejavu/DejaVuSansMono-Bold.ttf",  # a till receipt's print (capture_scenes)
    # Debian's base fonts have no handwriting: an oblique sans in pen blue stands in for it.
    "hand": _TT / "dejavu/DejaVuSans-Oblique.ttf",
}


def mrz_font_path() -> Path:
    """Return OCR-B from Debian's fonts-ocr-b when it is installed, else DejaVu Sans Mono."""
    found = sorted(p for p in _TT.glob("ocr-b*/**/*") if p.suffix.lower() in (".ttf", ".otf"))
    return found[0] if found else _TT / "dejavu/DejaVuSansMono.ttf"


@functools.lru_cache(maxsize=256)
def truetype(path: str, size_px: int) -> ImageFont.FreeTypeFont:
    """A TrueType font at a size in pixels (4 at least), kept: pages and clutter reuse a few."""
    return ImageFont.truetype(path, max(size_px, 4))


def mrz_check_digit(field: str) -> str:
    """Return the ICAO 9303 check digit of ``field`` (weights 7, 3, 1; '<' = 0, A = 10 ... Z = 35).

    Args:
        field: characters from ``0-9``, ``A-Z`` and ``<``.

    Returns:
        One digit, as a string.
    """
    total = 0
    for i, ch in enumerate(field):
        value = 0 if ch == "<" else int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10
        total += value * (7, 3, 1)[i % 3]
    return str(total % 10)


def td3_mrz(
    surname: str, given: str, number: str, birth: str, sex: str, expiry: str, personal: str
) -> tuple[str, str]:
    """Build the two 44-character lines of a TD3 (passport) MRZ with valid check digits.

    Args:
        surname: primary identifier, A-Z and spaces.
        given: secondary identifier, A-Z and spaces.
        number: document number, up to 9 characters.
        birth: date of birth, YYMMDD.
        sex: ``F``, ``M`` or ``<``.
        expiry: date of expiry, YYMMDD.
        personal: optional personal number, up to 14 characters.

    Returns:
        The upper and lower lines. Issuer and nationality are ``UTO``, ICAO's specimen state.
    """
    names = surname.replace(" ", "<") + "<<" + given.replace(" ", "<")
    upper = ("P<UTO" + names)[:44].ljust(44, "<")
    num, pers = number.ljust(9, "<"), personal.ljust(14, "<")
    lower = num + mrz_check_digit(num) + "UTO"
    for field, then in ((birth, sex), (expiry, ""), (pers, "")):
        lower += field + mrz_check_digit(field) + then
    lower += mrz_check_digit(lower[0:10] + lower[13:20] + lower[21:43])
    return upper, lower


@dataclass(frozen=True)
class Document:
    """One rendered document.

    Attributes:
        kind: one of ``KINDS``.
        variant: which variant of the kind.
        image: premultiplied BGRA uint8; pixel (0, 0) is the top-left of the upright page.
        text: the strings drawn, in reading order.
        page_mm: physical (width, height) in millimetres.
    """

    kind: str
    variant: int
    image: np.ndarray
    text: tuple[str, ...]
    page_mm: tuple[float, float]


class _Page:
    """A Pillow canvas addressed in millimetres that records every string drawn on it."""

    def __init__(self, kind: str, paper: tuple[int, int, int]) -> None:
        self.dpi = DPI[kind]
        self.image = Image.new("RGB", (self.px(PAGE_MM[kind][0]), self.px(PAGE_MM[kind][1])), paper)
        self.draw = ImageDraw.Draw(self.image)
        self.text: list[str] = []

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    def font(self, face: str, size: float) -> ImageFont.FreeTypeFont:
        return truetype(str(FONTS.get(face, face)), self.px(size))

    def write(
        self, x: float, y: float, s: str, face: str = "sans", size: float = 3.5, **kw: Any
    ) -> float:
        """Draw ``s`` at (x, y) mm, baseline-left unless ``anchor`` says; return its width in mm.

        Extra keywords (``fill``, ``anchor``) go to ``ImageDraw.text``.
        """
        font = self.font(face, size)
        kw = {"fill": INK, "anchor": "ls", **kw}
        self.draw.text((self.px(x), self.px(y)), s, font=font, **kw)
        self.text.append(s)
        return font.getlength(s) * 25.4 / self.dpi

    def wrap(
        self, x: float, y: float, width: float, s: str, face: str = "serif", size: float = 4.2
    ) -> float:
        """Draw ``s`` as a ragged-right paragraph; return the baseline after its last line."""
        font, line = self.font(face, size), ""
        for word in s.split():
            trial = f"{line} {word}".strip()
            if line and font.getlength(trial) > self.px(width):
                self.write(x, y, line, face, size)
                y, line = y + size * 1.42, word
            else:
                line = trial
        if line:
            self.write(x, y, line, face, size)
            y += size * 1.42
        return y

    def rect(self, x: float, y: float, w: float, h: float, width: float = 0.25, **kw: Any) -> None:
        """Draw a rectangle (mm); ``outline`` (INK by default) and ``fill`` go to Pillow."""
        box = (self.px(x), self.px(y), self.px(x + w), self.px(y + h))
        self.draw.rectangle(box, width=max(1, self.px(width)), **{"outline": INK, **kw})

    def line(self, *mm: float, width: float = 0.25, fill: tuple[int, ...] = INK) -> None:
        """Draw a polyline through (x, y) pairs given in mm."""
        self.draw.line([self.px(v) for v in mm], fill, max(1, self.px(width)))

    def scribble(self, x: float, y: float, w: float, pr: random.Random) -> None:
        """Draw a looping signature in pen blue (not recorded as text)."""
        pts, n = [], 60
        for i in range(n):
            t = i / (n - 1)
            wobble = np.sin(t * np.pi * pr.uniform(5, 9)) * pr.uniform(2, 5)
            pts.append((self.px(x + t * w + np.cos(t * 31) * 2), self.px(y + wobble)))
        self.draw.line(pts, PEN, max(1, self.px(0.35)), joint="curve")

    def finish(self, kind: str, variant: int, alpha: Image.Image | None = None) -> Document:
        rgb = np.asarray(self.image, dtype=np.uint8)
        a = np.full(rgb.shape[:2], 255, np.uint8) if alpha is None else np.asarray(alpha)
        bgra = np.dstack([rgb[:, :, ::-1], a]).astype(np.float32)
        bgra[:, :, :3] *= bgra[:, :, 3:] / 255.0  # premultiply, so warping blends edges right
        image = np.round(bgra).astype(np.uint8)
        image.flags.writeable = False
        return Document(kind, variant, image, tuple(self.text), PAGE_MM[kind])


# --- Content: French administrative text, names and amounts (all invented) ------------------

_POOLS = {
    "first": "Aminata|Youssef|Minh Anh|Olena|Carlos|Fatou|Rahul|Leïla|Ivan|Grace|Samira|Kofi",
    "last": "Diallo|Benali|Nguyen|Kovalenko|Silva|Ndiaye|Sharma|Haddad|Petrov|Mensah|Traoré",
    "street": "rue de la République|avenue Jean-Jaurès|boulevard Voltaire|rue des Lilas|"
    "allée des Tilleuls|place de la Mairie|rue Victor-Hugo",
    "city": "75011 Paris|69003 Lyon|13001 Marseille|31000 Toulouse|59000 Lille|93200 Saint-Denis",
    "month": "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre",
    "job": "aide-soignante|cuisinier|développeuse informatique|agent d'entretien|comptable",
    "company": "Boulangerie du Marché SARL|Nettoyage Services Plus|Transports Martin & Fils|"
    "Clinique des Tilleuls|Soft Conseil SAS",
    "office": "Préfecture|Sous-préfecture|Direction des étrangers",
    "nationality": "malienne|algérienne|ukrainienne|vietnamienne|brésilienne",
    "enclosure": "copie du passeport|justificatif de domicile|bulletins de salaire|"
    "photographies d'identité|avis d'imposition|acte de naissance",
    "form": "Demande de titre de séjour|Déclaration de changement d'adresse|"
    "Demande d'aide au logement",
    "note": "Je joins mon ancien titre de séjour et la copie de mon bail.|Rendez-vous souhaité "
    "le matin si possible, merci.|Changement de nom suite à mon mariage, voir acte joint.",
    "card": "TITRE DE SÉJOUR|CARTE DE RÉSIDENT|CARTE D'IDENTITÉ",
}
_POOL = {key: value.split("|") for key, value in _POOLS.items()}
# One letter per variant: a subject and sentences, shuffled into paragraphs.
_LETTERS = (
    ("Demande de renouvellement de titre de séjour", (
        "Je me permets de vous adresser la présente afin de solliciter le renouvellement de mon "
        "titre de séjour, qui arrive à échéance le {date}.",
        "Je réside en France de manière régulière et continue depuis {years} ans.",
        "J'exerce la profession de {job} au sein de la société {company}, en contrat à durée "
        "indéterminée.",
        "Vous trouverez ci-joint les pièces justificatives demandées : copie de mon passeport, "
        "justificatif de domicile de moins de trois mois et trois derniers bulletins de salaire.",
        "Ma situation professionnelle et familiale n'a pas changé depuis ma dernière demande.",
        "Je reste à votre disposition pour tout renseignement complémentaire.")),
    ("Attestation d'hébergement", (
        "Je soussigné(e) {host}, demeurant {address}, atteste sur l'honneur héberger à mon "
        "domicile {name} depuis le {date}.",
        "Cet hébergement est fourni à titre gratuit et se poursuit à ce jour.",
        "Je joins une copie de ma pièce d'identité et une facture d'électricité récente établie "
        "à mon nom.",
        "Je suis informé(e) qu'une fausse déclaration m'expose à des sanctions pénales.",
        "La présente attestation est établie pour servir et valoir ce que de droit.")),
    ("Attestation d'emploi", (
        "Nous certifions employer {name} depuis le {date} en qualité de {job}.",
        "L'intéressé(e) est titulaire d'un contrat à durée indéterminée à temps complet, pour une "
        "durée hebdomadaire de 35 heures.",
        "Sa rémunération brute mensuelle s'élève à {salary} euros, hors primes.",
        "Son contrat n'est pas en période d'essai et aucune procédure de licenciement n'est en "
        "cours.")),
)  # fmt: skip
_CLOSING = "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées."
_FOOTER = (
    "Dans votre intérêt et pour vous aider à faire valoir vos droits, conservez ce bulletin de "
    "paie sans limitation de durée."
)
_DEDUCTIONS = (  # payslip lines: label, share of the gross pay, employee rate in %
    ("Sécurité sociale plafonnée", 1.0, 6.90), ("Sécurité sociale déplafonnée", 1.0, 0.40),
    ("Retraite complémentaire T1", 1.0, 4.01), ("CSG déductible", 0.9825, 6.80),
    ("CSG/CRDS non déductible", 0.9825, 2.90), ("Prévoyance", 1.0, 0.78),
)  # fmt: skip
_TINTS = ((200, 140, 160), (120, 170, 150), (140, 150, 200))  # RGB guilloche inks
_PASTELS = ((226, 236, 244), (236, 242, 226), (244, 234, 230))
_BANDS = ((36, 70, 150), (30, 110, 80), (140, 45, 55))


def _euros(x: float) -> str:
    return f"{x:,.2f}".replace(",", " ").replace(".", ",")


def _person(pr: random.Random) -> dict[str, Any]:
    """Someone with an address: name parts, address lines, city and postcode."""
    first, last, city = (
        pr.choice(_POOL["first"]),
        pr.choice(_POOL["last"]),
        pr.choice(_POOL["city"]),
    )
    street = f"{pr.randint(2, 140)} {pr.choice(_POOL['street'])}"
    phone = "Tél. : 06 " + " ".join(f"{pr.randint(0, 99):02d}" for _ in range(4))
    mail = f"{first.lower().replace(' ', '')}.{last.lower()}@exemple.fr"
    name = f"{first} {last.upper()}"
    who = {"first": first, "last": last, "name": name, "street": street, "city": city}
    return who | {"lines": [name, street, city, phone, mail]}


def _facts(pr: random.Random, who: dict[str, Any]) -> dict[str, str]:
    """Values for the letters' placeholders."""
    host = _person(pr)
    return {
        "today": f"{pr.randint(1, 28)} {pr.choice(_POOL['month'])} 2024",
        "date": f"{pr.randint(1, 28)} {pr.choice(_POOL['month'])} {pr.randint(2016, 2023)}",
        "years": str(pr.randint(3, 15)), "job": pr.choice(_POOL["job"]),
        "company": pr.choice(_POOL["company"]), "name": who["name"], "host": host["name"],
        "address": f"{host['street']}, {host['city']}", "salary": _euros(pr.uniform(1800, 3200)),
    }  # fmt: skip


def _payslip_rows(pr: random.Random) -> list[tuple[str, ...]]:
    """Rows (label, base, rate, deduction, pay) whose amounts add up."""
    hourly, extra = round(pr.uniform(11.7, 22.0), 2), pr.randint(0, 12)
    base, overtime = round(151.67 * hourly, 2), round(extra * hourly * 1.25, 2)
    gross = base + overtime
    rows = [
        ("Salaire de base", "151,67", _euros(hourly), "", _euros(base)),
        ("Heures supplémentaires 25 %", str(extra), _euros(hourly * 1.25), "", _euros(overtime)),
    ]
    for label, share, rate in _DEDUCTIONS:
        cut = _euros(gross * share * rate / 100)
        rows.append((label, _euros(gross * share), _euros(rate), cut, ""))
    rows.append(("Mutuelle", "", "", _euros(pr.choice((24.5, 31.0, 38.2))), ""))
    return rows


def _payslip_net(rows: list[tuple[str, ...]]) -> list[tuple[str, str, bool]]:
    """The totals under the table: (label, amount, bold)."""

    def value(s: str) -> float:
        return float(s.replace(" ", "").replace(",", ".")) if s else 0.0

    gross = sum(value(r[4]) for r in rows)
    net = gross - sum(value(r[3]) for r in rows)
    tax = round(net * 0.031, 2)
    return [
        ("Salaire brut", _euros(gross), False), ("Net à payer avant impôt", _euros(net), True),
        ("Impôt sur le revenu prélevé à la source (3,1 %)", _euros(tax), False),
        ("NET PAYÉ", _euros(net - tax) + " €", True),
    ]  # fmt: skip


def _passport_holder(pr: random.Random) -> dict[str, Any]:
    """The visible fields of an identity document and the matching MRZ data."""
    last = pr.choice(_POOL["last"]).upper().replace("É", "E")
    first = pr.choice(_POOL["first"]).upper().replace("Ï", "I")
    sex, number = pr.choice("FM"), "".join(pr.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    number += "".join(str(pr.randint(0, 9)) for _ in range(7))
    birth = (pr.randint(60, 99), pr.randint(1, 12), pr.randint(1, 28))
    issue = (pr.randint(18, 23), pr.randint(1, 12), pr.randint(1, 28))
    expiry = (issue[0] + 10, issue[1], issue[2])

    def shown(d: tuple[int, int, int], century: int) -> str:
        return f"{d[2]:02d} {d[1]:02d} {century + d[0]}"

    fields = [
        ("Type / Type", "P"), ("Code / Code", "UTO"), ("N° / Document No.", number),
        ("Nom / Surname", last), ("Prénoms / Given names", first),
        ("Nationalité / Nationality", "UTOPIENNE"),
        ("Date de naissance / Date of birth", shown(birth, 1900)), ("Sexe / Sex", sex),
        ("Lieu de naissance / Place of birth", pr.choice(_POOL["city"])[6:].upper()),
        ("Délivré le / Date of issue", shown(issue, 2000)),
        ("Expire le / Date of expiry", shown(expiry, 2000)), ("Autorité / Authority", "MIN. INT."),
    ]  # fmt: skip
    ymd = ["".join(f"{v:02d}" for v in d) for d in (birth, expiry)]
    personal = "".join(str(pr.randint(0, 9)) for _ in range(pr.choice((0, 10, 14))))
    mrz = {"surname": last, "given": first, "number": number, "birth": ymd[0], "sex": sex}
    return {"fields": fields, "mrz": mrz | {"expiry": ymd[1], "personal": personal}}


def _letter(p: _Page, pr: random.Random, variant: int) -> None:
    who = _person(pr)
    subject, sentences = _LETTERS[variant % len(_LETTERS)]
    facts = _facts(pr, who)
    for i, line in enumerate(who["lines"]):
        p.write(22, 24 + i * 5.2, line, "sans_bold" if i == 0 else "sans", 3.6)
    office = pr.choice(_POOL["office"]), f"{pr.randint(1, 60)} {pr.choice(_POOL['street'])}"
    for i, line in enumerate((office[0], "Service des titres de séjour", office[1], who["city"])):
        p.write(112, 58 + i * 5.2, line, "sans", 3.6)
    p.write(112, 92, f"{who['city'][6:]}, le {facts['today']}", "sans", 3.6)
    p.write(22, 108, f"Objet : {subject}", "sans_bold", 3.7)
    y = p.wrap(22, 124, 166, "Madame, Monsieur,") + 3
    body = [s.format(**facts) for s in sentences]
    pr.shuffle(body)
    while body:
        take = pr.randint(1, 3)
        y = p.wrap(22, y, 166, " ".join(body[:take])) + 3.5
        body = body[take:]
    y = p.wrap(22, y, 166, _CLOSING)
    p.write(120, y + 8, who["name"], "serif", 4.2)
    p.scribble(122, y + 20, 40, pr)
    p.write(22, 282, "Pièces jointes : " + ", ".join(pr.sample(_POOL["enclosure"], 3)), size=2.8)


def _payslip(p: _Page, pr: random.Random, variant: int) -> None:
    who = _person(pr)
    p.write(105, 18, "BULLETIN DE PAIE", "sans_bold", 6.0, anchor="ms")
    month = f"{pr.randint(1, 12):02d}/2024"
    p.write(105, 25, f"Période du 01/{month} au 28/{month}", size=3.2, anchor="ms")
    siret = " ".join(str(pr.randint(100, 999)) for _ in range(3)) + f" {pr.randint(10000, 99999)}"
    company = [pr.choice(_POOL["company"]), f"{pr.randint(1, 90)} {pr.choice(_POOL['street'])}"]
    company += [pr.choice(_POOL["city"]), f"SIRET {siret}", f"Code NAF {pr.randint(10, 96)}.10Z"]
    for x, width, lines in ((15, 88, company), (112, 83, who["lines"][:4])):
        p.rect(x, 31, width, 34, fill=(236, 236, 236) if x == 15 else None)
        for i, line in enumerate(lines):
            p.write(x + 3, 38 + i * 5, line, "sans_bold" if i == 0 else "sans", 3.2)
    entry = f"{pr.randint(1, 28):02d}/{pr.randint(1, 12):02d}/{pr.randint(2012, 2022)}"
    info = f"Emploi : {pr.choice(_POOL['job'])}   Coefficient : {pr.randint(180, 350)}   "
    p.write(15, 73, info + f"Entrée le {entry}", size=3.0)
    cols, top, row_h, rows = (15, 93, 118, 138, 166, 195), 79, 6.8, _payslip_rows(pr)
    p.rect(15, top, 180, row_h, fill=(215, 215, 215), outline=None)
    for c, head in enumerate(("Rubrique", "Base", "Taux", "À déduire", "À payer")):
        p.write(cols[c] + 1.5, top + 4.8, head, "sans_bold", 3.0)
    for r, row in enumerate(rows, start=1):
        y = top + r * row_h
        if r % 2 == 0:
            p.rect(15, y, 180, row_h, fill=(245, 245, 245), outline=None)
        p.write(cols[0] + 1.5, y + 4.8, row[0], "narrow", 3.2)
        for c, cell in enumerate(row[1:], start=2):
            if cell:  # amounts are right-aligned in their column
                p.write(cols[c] - 1.5, y + 4.8, cell, "narrow", 3.2, anchor="rs")
    bottom = top + (len(rows) + 1) * row_h
    for x in cols:
        p.line(x, top, x, bottom)
    for r in range(len(rows) + 2):
        p.line(15, top + r * row_h, 195, top + r * row_h, width=0.35 if r < 2 else 0.15)
    y = bottom + 10
    for label, value, bold in _payslip_net(rows):
        p.write(100, y, label, "sans_bold" if bold else "sans", 3.3)
        p.write(193, y, value, "sans_bold" if bold else "sans", 3.3, anchor="rs")
        y += 7
    p.rect(98, y - 13, 97, 9, width=0.5)
    p.write(15, 280, _FOOTER, size=2.4)


def _form(p: _Page, pr: random.Random, variant: int) -> None:
    who = _person(pr)
    p.rect(15, 12, 180, 20, fill=(225, 232, 240), outline=None)
    p.write(20, 21, _POOL["form"][variant], "sans_bold", 5.0)
    p.write(20, 28, f"Formulaire n° {pr.randint(10000, 16999)}*0{pr.randint(1, 6)}", size=3.0)
    birth = f"{pr.randint(1, 28):02d}/{pr.randint(1, 12):02d}/{pr.randint(1960, 2002)}"
    sections = (  # (title, [(label, value, how it is filled in)])
        ("Votre identité", [
            ("Nom", who["last"].upper(), "comb"), ("Prénom(s)", who["first"].upper(), "comb"),
            ("Date de naissance", birth, "box"), ("Sexe", "Féminin|Masculin", "check"),
            ("Nationalité", pr.choice(_POOL["nationality"]), "box")]),
        ("Votre adresse", [
            ("Adresse", who["street"], "box"), ("Code postal", who["city"][:5], "comb"),
            ("Commune", who["city"][6:].upper(), "comb"), ("Courriel", who["lines"][4], "box")]),
        ("Votre situation", [
            ("Situation", "Célibataire|Marié(e)|Pacsé(e)", "check"),
            ("Enfants à charge", str(pr.randint(0, 4)), "box"),
            ("Activité", "Salarié(e)|Étudiant(e)|Sans emploi", "check")]),
    )  # fmt: skip
    y = 42.0
    for s, (title, fields) in enumerate(sections, start=1):
        p.rect(15, y, 180, 7, fill=(60, 70, 90), outline=None)
        p.write(18, y + 5, f"{s}. {title}", "sans_bold", 3.6, fill=(255, 255, 255))
        y += 13
        for label, value, how in fields:
            p.write(18, y + 4, label, size=3.2)
            if how == "comb":  # one box per character, as on French administrative forms
                for i in range(24):
                    p.rect(70 + i * 5, y, 5, 6, width=0.2)
                for i, ch in enumerate(value[:24]):
                    p.write(72.5 + i * 5, y + 4.8, ch, "hand", 4.0, fill=PEN, anchor="ms")
            elif how == "check":
                x, ticked = 70.0, pr.randrange(3)
                for j, option in enumerate(value.split("|")):
                    p.rect(x, y, 4, 4)
                    if j == ticked:  # a pen cross in the box
                        p.line(x + 0.6, y + 0.6, x + 3.4, y + 3.4, width=0.5, fill=PEN)
                        p.line(x + 3.4, y + 0.6, x + 0.6, y + 3.4, width=0.5, fill=PEN)
                    x += 10 + p.write(x + 6, y + 3.6, option, size=3.2)
            else:
                p.rect(70, y - 1, 120, 8, width=0.2)
                p.write(72, y + 4.8, value, "hand", 4.0, fill=PEN)
            y += 10.5
        y += 4
    p.write(18, y + 4, "Observations :", size=3.2)
    p.rect(18, y + 7, 172, 26, width=0.2)
    p.wrap(21, y + 14, 165, pr.choice(_POOL["note"]), "hand", 3.8)
    p.write(18, 268, f"Fait à {who['city'][6:]}, le {_facts(pr, who)['today']}", size=3.4)
    p.write(130, 262, "Signature :", size=3.2)
    p.rect(128, 264, 62, 22, width=0.2)
    p.scribble(135, 276, 45, pr)


def _guilloche(
    w: int, h: int, dpi: int, base: tuple[int, ...], ink: tuple[int, ...], pr: random.Random
) -> Image.Image:
    """Pale interlaced sine lines, the security background of identity documents."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) * np.float32(25.4 / dpi)
    a, b, c = pr.uniform(3, 6), pr.uniform(8, 14), pr.uniform(0, 6)
    field = np.sin(xx / a + 2.2 * np.sin(yy / b + c)) + np.sin(
        yy / (a * 0.8) + 1.8 * np.sin(xx / b)
    )
    lines = np.exp(-((((field * 2.5) % 1.0 - 0.5) / 0.09) ** 2))[..., None]
    img = (
        np.asarray(base, np.float32) * (1 - 0.45 * lines)
        + np.asarray(ink, np.float32) * 0.45 * lines
    )
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def _face(size: tuple[int, int], pr: random.Random) -> Image.Image:
    """A grey identity-photo placeholder with a simply drawn head and shoulders."""
    w, h = size
    img = Image.new("L", size, pr.randint(185, 215))
    d = ImageDraw.Draw(img)
    skin, hair, cloth = pr.randint(120, 175), pr.randint(25, 80), pr.randint(40, 100)
    d.ellipse((-0.1 * w, 0.78 * h, 1.1 * w, 1.5 * h), fill=cloth)
    d.rectangle((0.41 * w, 0.6 * h, 0.59 * w, 0.85 * h), fill=skin - 12)
    d.ellipse((0.22 * w, 0.12 * h, 0.78 * w, 0.52 * h), fill=hair)
    d.ellipse((0.26 * w, 0.2 * h, 0.74 * w, 0.72 * h), fill=skin)
    for side in (-1, 1):
        ex = 0.5 * w + side * 0.1 * w
        d.ellipse((ex - 0.035 * w, 0.4 * h, ex + 0.035 * w, 0.43 * h), fill=40)
        d.line(
            (ex - 0.06 * w, 0.37 * h, ex + 0.05 * w, 0.365 * h), fill=hair, width=max(1, w // 60)
        )
    d.line((0.5 * w, 0.44 * h, 0.48 * w, 0.54 * h, 0.52 * w, 0.55 * h), fill=skin - 40, width=2)
    d.arc((0.41 * w, 0.54 * h, 0.59 * w, 0.64 * h), 20, 160, fill=skin - 60, width=max(1, w // 50))
    return img.convert("RGB")


def _passport(p: _Page, pr: random.Random, variant: int) -> None:
    w, h = p.image.size
    p.image.paste(_guilloche(w, h, p.dpi, (236, 240, 230), _TINTS[variant], pr))
    p.rect(0, 64, 125, 24, fill=(246, 246, 242), outline=None)  # the MRZ band stays plain
    who = _passport_holder(pr)
    p.write(62.5, 6, "UTOPIA   PASSEPORT / PASSPORT", "sans_bold", 3.6, anchor="ms")
    p.image.paste(_face((p.px(31), p.px(41)), pr), (p.px(5), p.px(12)))
    x, y = 41.0, 13.0
    for label, value in who["fields"]:
        p.write(x, y, label, "sans", 1.9, fill=(70, 70, 90))
        p.write(x, y + 3.6, value, "sans_bold", 2.9)
        y += 7.3
        if y > 60:
            x, y = 84.0, 27.6
    p.scribble(8, 58, 24, pr)
    upper, lower = td3_mrz(**who["mrz"])
    mono = str(mrz_font_path())
    advance = truetype(mono, 200).getlength("<") / 200  # em fraction per character
    size = 2.54 / advance  # ICAO pitch: 44 characters in about 112 mm
    p.write(6, 75.5, upper, mono, size)
    p.write(6, 83.5, lower, mono, size)


def _id_card(p: _Page, pr: random.Random, variant: int) -> Image.Image:
    w, h = p.image.size
    band = _BANDS[variant]
    p.image.paste(_guilloche(w, h, p.dpi, _PASTELS[variant], _TINTS[variant], pr))
    p.rect(0, 0, 85.6, 10.5, fill=band, outline=None)
    p.write(4, 5, "UTOPIA", "sans_bold", 2.6, fill=(255, 255, 255))
    p.write(4, 8.7, pr.choice(_POOL["card"]), "sans_bold", 3.1, fill=(255, 255, 255))
    p.image.paste(_face((p.px(21), p.px(27)), pr), (p.px(4), p.px(14)))
    chip = (p.px(66), p.px(24), p.px(78), p.px(33))
    p.draw.rounded_rectangle(chip, p.px(1.5), fill=(205, 170, 90), outline=(150, 120, 60), width=2)
    who = _passport_holder(pr)
    y = 15.0
    shown = ("Nom", "Prénoms", "Nationalité", "Date de naissance", "N°", "Expire le")
    for label, value in (f for f in who["fields"] if f[0].split(" /")[0] in shown):
        p.write(29, y, label, "sans", 1.5, fill=(60, 60, 80))
        p.write(29, y + 2.9, value, "sans_bold", 2.3)
        y += 5.8
    p.scribble(5, 47, 18, pr)
    alpha = Image.new("L", p.image.size, 0)
    ImageDraw.Draw(alpha).rounded_rectangle((0, 0, w - 1, h - 1), p.px(3.18), fill=255)
    return alpha


_DRAW: dict[str, Callable[[_Page, random.Random, int], Image.Image | None]] = {
    "a4_letter": _letter,
    "a4_table": _payslip,
    "a4_form": _form,
    "passport": _passport,
    "id_card": _id_card,
}


@functools.cache
def render_document(kind: str, variant: int) -> Document:
    """Render one document kind and variant (cached: each is drawn once per process).

    Args:
        kind: one of ``KINDS``.
        variant: ``0 <= variant < VARIANTS``.

    Returns:
        The rendering, read-only.
    """
    if kind not in _DRAW or not 0 <= variant < VARIANTS:
        raise ValueError(f"unknown document {kind!r} variant {variant}")
    pr = random.Random(f"document/{kind}/{variant}")
    page = _Page(kind, PAPERS[variant] if kind in A4_KINDS else (240, 240, 236))
    return page.finish(kind, variant, _DRAW[kind](page, pr, variant))
