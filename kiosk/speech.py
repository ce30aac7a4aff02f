"""Read-aloud: the screen's text spoken in the applicant's language by espeak-ng, offline.

The page sends the texts it shows (segments: a title, a hint, a choice...);
each one is spoken by Debian's ``espeak-ng`` with the voice of the screen's
language, and the pieces are joined into one WAV file with a short pause
between them. The text goes to espeak-ng on its standard input, never on its
command line (other users of the machine can read command lines in /proc).

Cache, and why it never holds personal data: a segment's audio is kept on
disk only when the segment is, word for word, a message of the catalogs (a
French message id or one of its translations: a title, a hint, a procedure's
label). Those texts are the same for every applicant. Anything else (an
answer on the "check your answers" screen, a sentence with a date or a name
filled in) is spoken in memory, sent, and forgotten.

A language with no espeak-ng voice (Pashto, Pular) has no read-aloud: the
screens say so and suggest asking the mediator. A segment of the catalogs
that is still in French on a translated screen (a message not yet
translated) is read with the French voice rather than mangled by another.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import read_mo

#: The espeak-ng voice for each language (names as ``espeak-ng --voices`` lists them).
#: Dari is read by the Persian voice: same script and, written, nearly the same
#: language. espeak-ng has no Pashto and no Pular voice.
VOICES: dict[str, str] = {
    "fr": "fr-fr",
    "en": "en-gb",
    "ar": "ar",
    "zh_Hans": "cmn",
    "fa_AF": "fa",
    "uk": "uk",
    "ru": "ru",
    "tr": "tr",
    "es": "es",
    "pt": "pt",
    "bn": "bn",
    # Next in line (kiosk.i18n.NEXT_LANGUAGES).
    "ta": "ta",
    "ur": "ur",
}
#: Words per minute: espeak-ng's default (175) is fast for someone listening in
#: a language learned late, or hearing administrative words for the first time.
WORDS_PER_MINUTE = 150
#: Silence between two segments (a title and its hint), in seconds.
PAUSE_SECONDS = 0.3
#: How long one synthesis may take before it is abandoned.
TIMEOUT_SECONDS = 30
#: Size of the disk cache; the oldest files go first beyond it.
CACHE_MAX_BYTES = 200_000_000


class SpeechError(Exception):
    """espeak-ng is missing, failed, or gave something that is not audio."""


def normalise(text: str) -> str:
    """One line, single spaces: how the page sends a text and how it is compared."""
    return " ".join(text.split())


@functools.lru_cache(maxsize=4)
def installed_voices(binary: str | None) -> frozenset[str]:
    """The voices espeak-ng has on this machine (empty when it is not installed)."""
    if binary is None:
        return frozenset()
    try:
        listing = subprocess.run(
            [binary, "--voices"], capture_output=True, timeout=TIMEOUT_SECONDS, check=True
        ).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    # "Pty Language Age/Gender VoiceName File Other Languages": the second column.
    rows = (line.split() for line in listing.splitlines()[1:])
    return frozenset(row[1].lower() for row in rows if len(row) > 1)


@dataclass(frozen=True)
class Pcm:
    """Audio samples and their format, as read from a WAV file."""

    channels: int
    sample_width: int
    rate: int
    frames: bytes


def read_wav(data: bytes) -> Pcm:
    """Read a PCM WAV file, including espeak-ng's streamed one (whose sizes are left unknown)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SpeechError("not a RIFF/WAVE file")
    offset, fmt = 12, None
    while offset + 8 <= len(data):
        chunk, size = (
            data[offset : offset + 4],
            struct.unpack("<I", data[offset + 4 : offset + 8])[0],
        )
        body = data[offset + 8 : offset + 8 + size]
        if chunk == b"fmt " and len(body) >= 16:
            tag, channels, rate, _rate_bytes, _align, bits = struct.unpack("<HHIIHH", body[:16])
            if tag != 1:
                raise SpeechError("not PCM audio")
            fmt = (channels, bits // 8, rate)
        elif chunk == b"data":
            if fmt is None:
                break
            return Pcm(fmt[0], fmt[1], fmt[2], body)  # a streamed size runs to the end
        offset += 8 + size + (size & 1)
    raise SpeechError("no audio in the WAV file")


def write_wav(pieces: list[Pcm]) -> bytes:
    """Join pieces of the same format into one WAV file, with a pause between them."""
    first = pieces[0]
    pause = b"\0" * (int(first.rate * PAUSE_SECONDS) * first.sample_width * first.channels)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(first.channels)
        out.setsampwidth(first.sample_width)
        out.setframerate(first.rate)
        out.writeframes(pause.join(piece.frames for piece in pieces))
    return buffer.getvalue()


def catalog_texts(translations_dir: Path) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """The French message ids of the compiled catalogs, and each language's translations."""
    french: set[str] = set()
    translated: dict[str, frozenset[str]] = {}
    for path in sorted(translations_dir.glob("*/LC_MESSAGES/messages.mo")):
        strings: set[str] = set()
        with path.open("rb") as handle:
            catalog = read_mo(handle)
        for message in catalog:
            if not message.id:
                continue
            # A plural message holds its forms in a list (read_mo) or a tuple.
            ids = message.id if isinstance(message.id, list | tuple) else (message.id,)
            texts = (
                message.string if isinstance(message.string, list | tuple) else (message.string,)
            )
            french.update(normalise(one) for one in ids)
            strings.update(normalise(one) for one in texts if one)
        translated[path.parent.parent.name] = frozenset(strings)
    return frozenset(french), translated


class SpeechCache:
    """Audio of catalog messages, one WAV file per voice and text (never personal data)."""

    def __init__(self, folder: Path, max_bytes: int = CACHE_MAX_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        # Bytes in the folder: counted on the first write, then kept up to date, so
        # a write does not list the whole folder; only going over the cap does.
        self._size: int | None = None

    def path(self, voice: str, text: str) -> Path:
        """Where the audio of one text in one voice is kept."""
        key = hashlib.sha256(f"{voice}\0{WORDS_PER_MINUTE}\0{text}".encode()).hexdigest()
        return self.folder / voice / f"{key}.wav"

    def get(self, voice: str, text: str) -> bytes | None:
        """The kept audio of one text in one voice, if any."""
        try:
            return self.path(voice, text).read_bytes()
        except OSError:
            return None

    def put(self, voice: str, text: str, audio: bytes) -> None:
        """Keep the audio of one catalog message (call it for nothing else)."""
        target = self.path(voice, text)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written whole, then renamed: a reader never sees half a file.
            handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(audio)
            Path(temporary).replace(target)
            self._size = self._measure() if self._size is None else self._size + len(audio)
            if self._size > self.max_bytes:
                self._prune()
        except OSError:
            pass  # a full disk costs a new synthesis next time, nothing more

    def _files(self) -> list[tuple[float, int, Path]]:
        files = []
        for path in self.folder.glob("*/*.wav"):
            info = path.stat()
            files.append((info.st_mtime, info.st_size, path))
        return files

    def _measure(self) -> int:
        return sum(size for _mtime, size, _path in self._files())

    def _prune(self) -> None:
        """Remove the oldest files until the folder is under its cap again."""
        files = self._files()
        total = sum(size for _mtime, size, _path in files)
        for _mtime, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
        self._size = total


class Speaker:
    """Speaks texts in a language, with espeak-ng, caching only the catalogs' messages."""

    def __init__(self, cache: SpeechCache, translations_dir: Path) -> None:
        self.binary = shutil.which("espeak-ng")
        self.voices = installed_voices(self.binary)
        self.cache = cache
        self.translations_dir = translations_dir
        self._catalogs: tuple[frozenset[str], dict[str, frozenset[str]]] | None = None
        self._lock = threading.Lock()

    @property
    def catalogs(self) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
        """The catalogs' texts, read on the first use (every page asks for `voice`, few speak)."""
        with self._lock:
            if self._catalogs is None:
                self._catalogs = catalog_texts(self.translations_dir)
            return self._catalogs

    def voice(self, language: str) -> str | None:
        """The espeak-ng voice that reads this language here, or None."""
        voice = VOICES.get(language)
        return voice if voice is not None and voice in self.voices else None

    def is_catalog_text(self, text: str) -> bool:
        """Whether a text is a message of the catalogs, the same for every applicant."""
        french, translated = self.catalogs
        return text in french or any(text in texts for texts in translated.values())

    def speak(self, language: str, segments: Iterable[str]) -> bytes:
        """Return one WAV file that reads every segment in this language.

        Raises:
            SpeechError: no voice for the language, no text, or espeak-ng failed.
        """
        voice = self.voice(language)
        if voice is None:
            raise SpeechError(f"no voice for {language}")
        texts = [text for text in (normalise(one) for one in segments) if text]
        if not texts:
            raise SpeechError("nothing to read")
        return write_wav([self._segment(voice, language, text) for text in texts])

    def _segment(self, voice: str, language: str, text: str) -> Pcm:
        french, translated = self.catalogs
        if language != "fr" and text in french and text not in translated.get(language, ()):
            voice = self.voice("fr") or voice  # untranslated French: the French voice reads it
        cacheable = self.is_catalog_text(text)
        audio = self.cache.get(voice, text) if cacheable else None
        if audio is None:
            audio = self.synthesise(voice, text)
            if cacheable:
                self.cache.put(voice, text, audio)
        return read_wav(audio)

    def synthesise(self, voice: str, text: str) -> bytes:
        """One text through espeak-ng: text on stdin, WAV on stdout, nothing on disk."""
        if self.binary is None:
            raise SpeechError("espeak-ng is not installed")
        command = [self.binary, "-v", voice, "-s", str(WORDS_PER_MINUTE), "-b", "1", "--stdin"]
        try:
            done = subprocess.run(
                [*command, "--stdout"],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise SpeechError(f"espeak-ng did not run: {error}") from error
        if done.returncode != 0:
            raise SpeechError(f"espeak-ng failed: {done.stderr.decode('utf-8', 'replace')[:200]}")
        pcm = read_wav(done.stdout)  # check it is audio before anything keeps it
        return write_wav([pcm])
