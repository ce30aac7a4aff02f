"""Sample data shared by the tests: one applicant's answers, one clean scene, corpus scenes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bench.capture_corpus import render_scene
from scanning import detect, geometry
from scanning.types import Quad


def student_answers(expiry: str) -> dict[str, Any]:
    """Complete answers to the student renewal, the permit ending on `expiry`."""
    return {
        "date_expiration_titre": expiry,
        "numero_etranger": "0123456789",
        "nom": "Benali",
        "prenoms": "Yasmine",
        "sexe": "f",
        "date_naissance": "2001-05-04",
        "pays_naissance": "MA",
        "ville_naissance": "Fès",
        "nationalite": "MA",
        "situation_familiale": "celibataire",
        "adresse": {"line1": "12 rue des Lilas", "line2": "", "postcode": "69007", "city": "Lyon"},
        "hebergement": "foyer",
        "telephone": "+33612345678",
        "email": "yasmine@example.fr",
        "niveau_etudes": "master",
        "etablissement": "Lyon 2",
        "redoublement": "no",
        "ressources_mensuelles": 800,
        "origine_ressources": "bourse",
        "ephoto_disponible": "no",
    }


#: A scene with nothing wrong: sharp, no glare, whole, lit, alone on the desk.
PLAIN_SCENE: dict[str, Any] = {
    "blur": "sharp",
    "glare": False,
    "partial": False,
    "dark": False,
    "small": False,
    "distractors": 0,
    "finger": False,
    "shadow": False,
}


def detected_in_scene(
    seed: int, size: tuple[int, int], camera: str = "slid"
) -> tuple[Quad | None, float]:
    """Render benchmark scene `seed` and detect its page: the outline and its IoU with the truth.

    The scenes tests name were found on corpus version 4, which placed pages
    as ``camera="slid"`` draws them again.
    """
    image, truth = render_scene(seed, size, camera=camera)
    found = detect.detect(image)
    if found.quad is None:
        return None, 0.0
    return found.quad, geometry.iou(found.quad, np.array(truth["quad"]))


def known_miss(seed: int, size: tuple[int, int], scene: str, since: str, what_wins: str) -> Any:
    """A corpus scene an earlier fix found and a later change lost, as a `pytest.param`.

    A change kept for what it does on the five corpora as a whole may lose
    the scene of an earlier fix: its test becomes a strict expected failure,
    with the change (`since`) and what wins, and reports when it passes again.
    """
    reason = f"known miss since {since}: {what_wins}"
    return pytest.param(seed, size, id=scene, marks=pytest.mark.xfail(strict=True, reason=reason))


def corner_lines_miss(seed: int, size: tuple[int, int], scene: str, what_wins: str) -> Any:
    """A corpus scene lost since lines through segments meeting at corners (`known_miss`).

    `scanning.lines.CORNER_LINES` made more candidates: on the five corpora
    they found 21 documents more and lost 10 (IoU sum +9.45).
    """
    return known_miss(seed, size, scene, "lines through segments meeting at corners", what_wins)


def one_side_runs_on_miss(seed: int, size: tuple[int, int], scene: str, what_wins: str) -> Any:
    """A corpus scene lost since a U one of whose running sides runs on is kept (`known_miss`).

    `scanning.three_sides` discounts such a U instead of dropping it: on the
    five corpora the IoU sum rose by 3.13, 8 documents better and 5 worse.
    """
    since = "a U one of whose running sides runs on is discounted, not dropped"
    return known_miss(seed, size, scene, since, what_wins)


def running_sides_miss(seed: int, size: tuple[int, int], scene: str, what_wins: str) -> Any:
    """A corpus scene lost since bases are also closed for their running sides (`known_miss`).

    `scanning.three_sides` closes the U's best supported with their running
    sides' start as well: on the five corpora the IoU sum rose by 5.68, 16
    documents better and 11 worse; more U's also compete for its `KEEP` places.
    """
    since = "bases are also closed for their running sides' start"
    return known_miss(seed, size, scene, since, what_wins)


def clutter_text_miss(seed: int, size: tuple[int, int], scene: str, what_wins: str) -> Any:
    """A corpus scene lost when corpus version 6 drew the clutter's text with Pillow (`known_miss`).

    Version 5 drew it with OpenCV's Hershey fonts, which OpenCV 5.0 draws
    smaller and fainter than 4.x: a receipt's lines hardly showed
    (`bench.capture_scenes._text`). Now that receipts, notes and keyboards
    show their text, these scenes are lost.
    """
    since = "corpus version 6 drew the clutter's text with Pillow"
    return known_miss(seed, size, scene, since, what_wins)
