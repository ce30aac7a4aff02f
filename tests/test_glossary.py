"""Plain words: the glossary is checked and extracted, and every screen links the terms it shows.

Each link leads to the term's explanation in the screen's language, with a way
back to that very screen.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.support import Translations
from flask import Flask

from forms.errors import ProcedureError
from forms.glossary import GLOSSARY_FILE, load_glossary, parse_glossary
from kiosk import create_app, db
from tests.conftest import Kiosk
from tests.routes import routes
from tests.test_security_routes import STAGES, reach, url_values

ROOT = Path(__file__).resolve().parent.parent
PICTOGRAMS = ROOT / "kiosk" / "static" / "pictograms"
GLOSSARY = load_glossary()
#: The terms the brief asks for, at least.
REQUIRED = {
    "titre_sejour",
    "recepisse",
    "attestation_prolongation",
    "timbre_fiscal",
    "e_photo",
    "anef",
    "prefecture",
    "traduction_assermentee",
    "justificatif_domicile",
    "ofii",
    "visa_long_sejour",
    "carte_resident",
    "acte_naissance",
}
STRIP = re.compile(r'<aside class="glossary-strip".*?</aside>', re.S)
INERT = re.compile(r"<(script|style|template)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
LINK = re.compile(r'<a [^>]*data-glossary="([a-z_]+)"[^>]*href="/glossary/\1\?back=([^"]+)"')


def raw_glossary() -> dict[str, Any]:
    with GLOSSARY_FILE.open("rb") as handle:
        return tomllib.load(handle)


def french_text(page: str) -> str:
    """What a screen says, without its glossary strip, scripts and templates."""
    return html.unescape(TAG.sub(" ", INERT.sub(" ", STRIP.sub(" ", page))))


def links(page: str) -> dict[str, str]:
    """Each glossary button of a screen: term id → the address it comes back to."""
    return {term: html.unescape(back) for term, back in LINK.findall(page)}


# --- the data -------------------------------------------------------------------------


def test_the_glossary_explains_the_terms_asked_for() -> None:
    ids = {term.id for term in GLOSSARY.terms}
    assert ids >= REQUIRED
    assert GLOSSARY.verified_on <= dt.date.today()
    for term in GLOSSARY.terms:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", term.explanation) if s]
        assert 1 <= len(sentences) <= 2, term.id  # one or two plain sentences
        assert term.source
        if term.pictogram:
            assert (PICTOGRAMS / f"{term.pictogram}.svg").is_file(), term.id


def test_terms_are_found_as_whole_words_in_any_case() -> None:
    found = GLOSSARY.found_in(
        ["Titre de séjour actuel", "Adresse du site ANEF_URL", "un code e-photo", "Préfectures"]
    )
    assert [term.id for term in found] == ["titre_sejour", "prefecture", "e_photo"]
    assert GLOSSARY.found_in(["Le point d’accueil numérique"])[0].id == "point_accueil_numerique"
    assert GLOSSARY.found_in(["Bonjour Madame Anefa", "Vos réponses"]) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(verified_on=dt.date.today() + dt.timedelta(days=1)), "in the future"),
        (lambda d: d.update(source_urls=["http://example.org"]), "https://"),
        (lambda d: d["terms"][0].pop("source"), "terms[0].source"),
        (lambda d: d["terms"][0].update(forms=[]), "terms[0].forms"),
        (lambda d: d["terms"][0].update(forms=["autre chose"]), "do not match the term"),
        (lambda d: d["terms"][1].update(id=d["terms"][0]["id"]), "used twice"),
        (lambda d: d["terms"][1]["forms"].append(d["terms"][0]["forms"][0]), "also a form of"),
        (lambda d: d["terms"][0].update(colour="red"), "unknown key(s): colour"),
        (lambda d: d.update(terms=[]), "terms: must not be empty"),
    ],
)
def test_a_broken_glossary_is_refused_with_the_place(change: Any, expected: str) -> None:
    data = copy.deepcopy(raw_glossary())
    change(data)
    with pytest.raises(ProcedureError) as caught:
        parse_glossary(data, "forms/glossary.toml")
    assert expected in str(caught.value)
    assert str(caught.value).startswith("forms/glossary.toml: ")


def test_terms_and_explanations_are_extracted_for_translation() -> None:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {
        (Path(filename).name, message)
        for filename, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map
        )
    }
    for term in GLOSSARY.terms:
        assert ("glossary.toml", term.term) in found
        assert ("glossary.toml", term.explanation) in found
    # The matching forms and the sources are not shown: not for translators.
    assert ("glossary.toml", "titres de séjour") not in found
    assert not any(name == "glossary.toml" and "domain.md" in message for name, message in found)


# --- the screens ----------------------------------------------------------------------


def make_app(folder: Path) -> Flask:
    app = create_app(
        {"TESTING": True, "CAMERA_REPLAY_FPS": 60.0, "EXTRA_MEDIA_FOLDERS": [str(folder)]},
        instance_path=folder / "instance",
    )
    db.upgrade(db.get_engine(app))
    return app


def close(app: Flask) -> None:
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(tmp_path)
    yield app
    close(app)


@pytest.fixture
def arabic_app(tmp_path: Path) -> Iterator[Flask]:
    """A second kiosk, where the same applicant goes through the same screens in Arabic."""
    app = make_app(tmp_path / "arabic")
    yield app
    close(app)


def applicant_screens(app: Flask, kiosk: Kiosk) -> dict[str, str]:
    """Every applicant screen the route walk reaches now: address → page."""
    screens = {}
    for route in routes(app, url_values(app)):
        endpoint = route.rule.endpoint
        if route.method != "GET" or endpoint == "static" or endpoint.startswith("staff"):
            continue
        if endpoint.startswith("glossary."):
            continue  # the glossary itself: tested below
        response = kiosk.client.get(route.url)
        if response.status_code == 200 and response.mimetype == "text/html":
            screens[route.url] = response.get_data(as_text=True)
    return screens


@pytest.mark.slow
@pytest.mark.parametrize("stage", STAGES)
def test_every_screen_links_each_term_it_shows(
    app: Flask, kiosk: Kiosk, arabic_app: Flask, stage: str
) -> None:
    """Walk every screen in French: each term in its text has its button, in French and Arabic.

    The Arabic screens are those of the same applicant on a second kiosk: the
    dossier, for one, is made in the applicant's language.
    """
    reach(kiosk, stage, "fr")
    french = applicant_screens(app, kiosk)
    in_arabic = Kiosk(arabic_app.test_client())
    reach(in_arabic, stage, "ar")
    arabic = applicant_screens(arabic_app, in_arabic)
    # A screen may not answer the same on both (a USB key, a camera): compare the others.
    common = sorted(french.keys() & arabic.keys())
    assert len(common) >= 3
    problems, checked = [], set()
    for url in common:
        page = french[url]
        shown = {term.id for term in GLOSSARY.found_in([french_text(page)])}
        checked |= shown
        for language, screen in (("fr", page), ("ar", arabic[url])):
            offered = links(screen)
            if not shown <= offered.keys():
                problems.append(f"{language} {url}: no button for {sorted(shown - offered.keys())}")
            # Each button comes back to exactly this screen.
            problems += [
                f"{url}: {term} goes back to {back}"
                for term, back in offered.items()
                if back != url
            ]
    assert problems == []
    assert checked  # the walk did meet glossary terms (the welcome screen has one)


def test_known_screens_offer_their_terms(kiosk: Kiosk) -> None:
    from tests.test_screens import complete_student_renewal

    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    check = kiosk.get("/check").get_data(as_text=True)
    assert {"anef", "timbre_fiscal", "titre_sejour"} <= links(check).keys()
    documents = kiosk.get("/documents").get_data(as_text=True)
    assert {"justificatif_domicile", "e_photo"} <= links(documents).keys()
    # A screen without any term has no glossary at all.
    resume = kiosk.client.get("/resume").get_data(as_text=True)
    assert "glossary-strip" not in resume


def test_a_term_screen_explains_and_goes_back(kiosk: Kiosk) -> None:
    kiosk.get("/")
    kiosk.post("/language", {"lang": "ar", "next": "/"})
    page = kiosk.get("/glossary/recepisse?back=/q/etat_civil_nom").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert 'href="/q/etat_civil_nom"' in page and 'id="glossary-back"' in page
    # The French word, as on official letters, beside the explanation.
    assert '<span lang="fr" dir="ltr">récépissé</span>' in page
    recepisse = GLOSSARY.term("recepisse")
    assert recepisse is not None
    arabic = Translations.load(str(ROOT / "translations"), ["ar"])
    explained = arabic.gettext(recepisse.explanation)
    assert explained != recepisse.explanation, "the explanation has no Arabic translation"
    assert explained in html.unescape(page)
    assert "data-speak=" in page  # read aloud too


def test_the_glossary_screen_lists_every_term(client: Any) -> None:
    page = html.unescape(client.get("/glossary?back=/").get_data(as_text=True))
    for term in GLOSSARY.terms:
        assert term.explanation in page


def test_the_way_back_stays_on_the_kiosk(client: Any) -> None:
    page = client.get("/glossary/anef?back=https://evil.example/").get_data(as_text=True)
    back = re.search(r'<a [^>]*href="([^"]*)" id="glossary-back"', page)
    assert back is not None and back.group(1) == "/"
    assert 'href="https://evil.example/"' not in page
    assert client.get("/glossary/nope").status_code == 404
