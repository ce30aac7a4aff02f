"""Read-aloud with Debian's espeak-ng, for real, and its speaker buttons.

Audio in every language that has a voice, a clear fallback in the others, no
personal data in the audio cache, a button by every question and message.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import subprocess
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from babel.support import Translations
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from kiosk.i18n import KNOWN_LANGUAGES
from kiosk.speech import VOICES, SpeechCache, SpeechError, read_wav
from kiosk.views.read_aloud import speaker
from tests.conftest import Kiosk
from tests.test_screens import STUDENT, STUDENT_ANSWERS, answer_date, complete_student_renewal

ROOT = Path(__file__).resolve().parent.parent

WITH_VOICE = [code for code in KNOWN_LANGUAGES if code in VOICES]
WITHOUT_VOICE = [code for code in KNOWN_LANGUAGES if code not in VOICES]
PERSONAL = "Yasmine Benali, 12 rue des Lilas, Lyon"
H1 = re.compile(r'<h1 class="page-title">([^<]+)</h1>')


def in_language(kiosk: Kiosk, code: str) -> str:
    """Open the welcome screen in a language; return its page."""
    kiosk.get("/")
    kiosk.post("/language", {"lang": code, "next": "/"})
    return kiosk.get("/").get_data(as_text=True)


def read_aloud(kiosk: Kiosk, segments: Any) -> TestResponse:
    return kiosk.client.post(
        "/speech", json={"segments": segments}, headers={"X-CSRFToken": kiosk.token or ""}
    )


def audio_of(response: TestResponse) -> tuple[int, float, float]:
    """Sample rate, length in seconds and loudness (RMS) of a WAV answer."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "audio/wav"
    data = response.get_data()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    with wave.open(io.BytesIO(data)) as audio:
        assert audio.getnchannels() == 1 and audio.getsampwidth() == 2
        frames = audio.readframes(audio.getnframes())
        rate = audio.getframerate()
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64)
    assert len(frames) == len(data) - 44  # the sizes in the header are the real ones
    return rate, len(samples) / rate, float(np.sqrt(np.mean(samples**2)))


def cached(app: Flask) -> list[Path]:
    return sorted((Path(app.instance_path) / "speech-cache").glob("*/*.wav"))


@pytest.mark.parametrize("code", WITH_VOICE)
def test_every_language_with_a_voice_is_read_aloud(kiosk: Kiosk, app: Flask, code: str) -> None:
    page = in_language(kiosk, code)
    title = H1.search(page)
    assert title is not None
    language = KNOWN_LANGUAGES[code]
    rate, seconds, loudness = audio_of(read_aloud(kiosk, [title.group(1), language.endonym]))
    assert rate >= 16000
    assert seconds > 1.0  # the title and the language's name, not a click
    assert loudness > 300  # speech, not silence
    # The welcome title is a catalog message: kept for next time. The endonym is not.
    assert len(cached(app)) == 1
    voices = {path.parent.name for path in cached(app)}
    assert voices <= {VOICES[code], VOICES["fr"]}


@pytest.mark.parametrize("code", WITHOUT_VOICE)
def test_a_language_without_a_voice_says_to_ask_the_mediator(kiosk: Kiosk, code: str) -> None:
    page = in_language(kiosk, code)
    buttons = re.findall(r"<button [^>]*data-speak=[^>]*>", page)
    assert buttons and all("data-speak-unavailable" in button for button in buttons)
    assert 'aria-describedby="speak-unavailable"' in page
    assert "speaker-off.svg" in page
    no_voice = Translations.load(str(ROOT / "translations"), [code]).gettext(
        "Pas de lecture à voix haute dans votre langue. "
        "Demandez au médiateur de vous lire le texte."
    )
    assert 'id="speak-unavailable"' in page and no_voice in html.unescape(page)
    # Asked anyway: no audio, no error page, nothing the screen would show as a failure.
    response = read_aloud(kiosk, ["پښتو"])
    assert response.status_code == 503 and response.get_data() == b""


def test_only_catalog_messages_are_kept_on_disk(kiosk: Kiosk, app: Flask) -> None:
    in_language(kiosk, "fr")
    title = "Bienvenue au Guichet"
    _rate, both, _loudness = audio_of(read_aloud(kiosk, [title, PERSONAL]))
    files = cached(app)
    engine = speaker_of(app)
    assert files == [engine.cache.path("fr-fr", title)]
    assert not engine.cache.path("fr-fr", PERSONAL).exists()
    # Nothing of the personal text anywhere under the instance folder.
    for path in Path(app.instance_path).rglob("*"):
        if path.is_file():
            assert PERSONAL.encode() not in path.read_bytes(), path
    # Without espeak-ng the catalog message still comes, from the cache; the rest cannot.
    engine.binary = None
    _rate, alone, _loudness = audio_of(read_aloud(kiosk, [title]))
    assert 0 < alone < both
    assert read_aloud(kiosk, [PERSONAL]).status_code == 503


def speaker_of(app: Flask) -> Any:
    with app.app_context():
        return speaker()


def test_the_text_goes_to_espeak_on_stdin_never_on_its_command_line(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[list[str], bytes | None]] = []
    real_run = subprocess.run

    def watched(command: list[str], *args: Any, **kwargs: Any) -> Any:
        calls.append((list(command), kwargs.get("input")))
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", watched)
    in_language(kiosk, "fr")
    audio_of(read_aloud(kiosk, [PERSONAL]))
    spoken = [(command, given) for command, given in calls if "--stdin" in command]
    assert spoken and spoken[-1][1] == PERSONAL.encode()
    assert not any("Benali" in part for command, _given in calls for part in command)


def test_untranslated_french_is_read_by_the_french_voice(kiosk: Kiosk, app: Flask) -> None:
    in_language(kiosk, "ru")
    engine = speaker_of(app)
    french, translated = engine.catalogs
    # A message the Russian catalog does not have yet, shown (and read) in French.
    untranslated = sorted(french - translated.get("ru", frozenset()))
    if not untranslated:
        pytest.skip("the Russian catalog is complete")
    audio_of(read_aloud(kiosk, [untranslated[0]]))
    assert [path.parent.name for path in cached(app)] == ["fr-fr"]


@pytest.mark.parametrize(
    "payload",
    [None, {"segments": []}, {"segments": "texte"}, {"segments": [1]}, {"segments": ["x"] * 81}],
)
def test_malformed_requests_are_refused(kiosk: Kiosk, payload: Any) -> None:
    in_language(kiosk, "fr")
    response = kiosk.client.post(
        "/speech", json=payload, headers={"X-CSRFToken": kiosk.token or ""}
    )
    assert response.status_code == 400


def test_the_speech_endpoint_needs_the_csrf_token(client: FlaskClient) -> None:
    client.get("/")
    assert client.post("/speech", json={"segments": ["Bonjour"]}).status_code == 400


def test_a_wav_that_is_not_one_is_refused() -> None:
    with pytest.raises(SpeechError):
        read_wav(b"RIFF\0\0\0\0WAVEjunk")
    with pytest.raises(SpeechError):
        read_wav(b"<html>error</html>")


def test_the_cache_stays_under_its_size(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path, max_bytes=250)
    for number in range(5):
        cache.put("fr-fr", f"message {number}", bytes(100))
    kept = sorted(tmp_path.glob("*/*.wav"))
    assert len(kept) == 2
    assert cache.get("fr-fr", "message 4") == bytes(100)


# --- the buttons ------------------------------------------------------------------------


def speak_targets(page: str) -> set[str]:
    return {
        target
        for targets in re.findall(r'data-speak="([^"]+)"', page)
        for target in targets.split()
    }


def question_groups(page: str) -> set[str]:
    """The questions of a screen (each field's group) that have no speaker button."""
    groups = set(re.findall(r'id="(f-[a-z0-9_-]+-group)"', page))
    assert groups
    return groups - speak_targets(page)


def test_every_question_and_message_has_its_speaker_button(kiosk: Kiosk) -> None:
    page = kiosk.start().get_data(as_text=True)
    # The finder's question, and the whole screen from the top bar.
    assert {"finder-question", "main"} <= speak_targets(page)
    # A message: each flashed notice.
    flashed = kiosk.follow(kiosk.post("/find/demarche", {})).get_data(as_text=True)
    assert 'id="notice-1"' in flashed and "notice-1" in speak_targets(flashed)
    kiosk.choose(STUDENT)
    page = kiosk.get("/q/titre_expiration").get_data(as_text=True)
    assert question_groups(page) == set()
    expiry = dt.date.today() + dt.timedelta(days=90)
    response = answer_date(kiosk, "titre_expiration", "date_expiration_titre", expiry)
    for page_id, answers in STUDENT_ANSWERS:
        assert response.location == f"/q/{page_id}"  # type: ignore[attr-defined]
        page = kiosk.get(f"/q/{page_id}").get_data(as_text=True)
        assert question_groups(page) == set(), page_id
        response = kiosk.post(f"/q/{page_id}", answers)
    # A message: the error summary of a question answered wrongly.
    wrong = kiosk.post("/q/etat_civil_sexe", {"sexe": ""}).get_data(as_text=True)
    assert "error-summary" in speak_targets(wrong)


def test_the_capture_guidance_has_its_speaker_button(kiosk: Kiosk) -> None:
    complete_student_renewal(kiosk, dt.date.today() + dt.timedelta(days=90))
    kiosk.follow(kiosk.post("/check"))
    page = kiosk.get("/scan/passeport").get_data(as_text=True)
    assert 'id="guidance"' in page and "guidance" in speak_targets(page)
