"""Hypothesis against the validators, the question pages and the picture import.

The validators only ever answer with a value or their own `FieldError`; random
submissions to the question pages and to the import never give a 500, and
never write a file outside the instance folder (the working directory, the
temporary directory and the instance's parent are compared before and after).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from forms.loader import load_procedures
from forms.schema import Field
from forms.validate import (
    DEFAULT_MAX_LENGTH,
    FieldError,
    form_from_answer,
    input_names,
    validate_field,
)
from kiosk import create_app, db
from tests.conftest import Kiosk
from tests.test_screens import STUDENT

PROCEDURES = load_procedures()
FIELDS: list[Field] = list(
    {
        one.id: one
        for procedure in PROCEDURES.values()
        for page in procedure.pages
        for one in page.fields
    }.values()
)
TODAY = dt.date(2026, 11, 29)
#: Text an applicant, a stuck key or an attacker could send: any character but lone surrogates
#: (a browser cannot encode them), with the shapes validators care about.
TYPED = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    st.text(st.characters(exclude_categories=["Cs"]), min_size=150, max_size=1100),
    st.text("0123456789٠١٢٣٤٥٦٧٨٩²+- ", max_size=30),
    st.sampled_from(["<b>x</b>", "**x**", "{nb}", "{{7*7}}", "\u202eabc", "../../etc", "\0"]),
)


@st.composite
def submissions(draw: st.DrawFn, one: Field) -> dict[str, str]:
    names = input_names(one) + [one.id, f"{one.id}.x", "csrf_token", "other"]
    return draw(st.dictionaries(st.sampled_from(names), TYPED, max_size=6))


@settings(max_examples=600, deadline=None)
@given(data=st.data())
def test_validators_answer_only_with_a_value_or_their_own_error(data: st.DataObject) -> None:
    one = data.draw(st.sampled_from(FIELDS), label="field")
    form = data.draw(submissions(one), label="form")
    value, error = validate_field(one, form, TODAY)  # anything raised fails the test
    assert (value is None) or (error is None)
    if error is not None:
        assert isinstance(error, FieldError) and error.input_name in input_names(one)
        return
    if value is None:
        return
    if isinstance(value, str):
        limit = one.validation.get("max_length", DEFAULT_MAX_LENGTH.get(one.type, 254))
        assert len(value) <= max(limit, 254) and "\u202e" not in value and "\0" not in value
    # What was kept goes back into the form and comes out the same.
    again, error = validate_field(one, form_from_answer(one, value), TODAY)
    assert error is None and again == value


def files_outside(roots: list[Path], instance: Path) -> dict[str, tuple[int, int]]:
    """Every file under the roots, except inside the instance folder: path → (size, mtime)."""
    found = {}
    for root in roots:
        for folder, _, names in os.walk(root):
            if Path(folder).resolve().is_relative_to(instance.resolve()):
                continue
            for name in names:
                path = Path(folder) / name
                stat = path.stat()
                found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


class Watched:
    """The places a careless upload handler could write to, and a way to compare them."""

    def __init__(self, roots: list[Path], instance: Path) -> None:
        self.roots = roots
        self.instance = instance
        self.before = files_outside(roots, instance)

    def check(self) -> None:
        assert files_outside(self.roots, self.instance) == self.before


@pytest.fixture
def watched_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Flask, Watched, Kiosk]]:
    """The app, with its own working and temporary directories so that both can be watched.

    Its one applicant has chosen the student renewal: every example of a test
    goes on from where the previous one left the session.
    """
    work, temporary = tmp_path / "cwd", tmp_path / "tmp"
    work.mkdir()
    temporary.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setenv("TMPDIR", str(temporary))
    instance = tmp_path / "data" / "instance"
    app = create_app({"TESTING": True, "IMPORT_MAX_BYTES": 600_000}, instance_path=instance)
    db.upgrade(db.get_engine(app))
    kiosk = Kiosk(app.test_client())
    kiosk.start()
    kiosk.choose(STUDENT)  # the passport is asked for whatever the answers
    yield app, Watched([work, temporary, instance.parent], instance), kiosk
    app.extensions["guichet.camera"].stop()
    db.get_engine(app).dispose()


PAGE_IDS = [page.id for page in PROCEDURES[STUDENT].pages] + ["nowhere", "..%2F..", "x" * 300]
INPUTS = sorted(
    {name for page in PROCEDURES[STUDENT].pages for one in page.fields for name in input_names(one)}
)
ACCEPTABLE = {200, 302, 400, 404, 413}


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_answers_never_break_a_question_page(
    watched_app: tuple[Flask, Watched, Kiosk], data: st.DataObject
) -> None:
    _, watched, kiosk = watched_app
    for _ in range(data.draw(st.integers(1, 3), label="posts")):
        page_id = data.draw(st.sampled_from(PAGE_IDS), label="page")
        form = data.draw(
            st.dictionaries(st.sampled_from([*INPUTS, "change", "x"]), TYPED, max_size=8),
            label="form",
        )
        response = kiosk.post(f"/q/{page_id}", form)
        assert response.status_code in ACCEPTABLE, (page_id, form, response.status_code)
    raw = data.draw(st.binary(max_size=3000), label="raw body")
    kind = data.draw(
        st.sampled_from(
            ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]
        )
    )
    response = kiosk.client.post(
        "/q/etat_civil_nom", data=raw, content_type=kind, headers={"X-CSRFToken": kiosk.token}
    )
    assert response.status_code in ACCEPTABLE
    watched.check()


def picture(kind: str, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (200, 190, 180)).save(buffer, kind)
    return buffer.getvalue()


PHOTO = (Path(__file__).resolve().parent.parent / "scanning" / "demo" / "frame-12.jpg").read_bytes()
SEEDS = [
    picture("JPEG", (320, 240)),
    picture("PNG", (260, 300)),
    PHOTO,
    PHOTO,  # a page under the camera: most examples go through the whole pipeline
]


@st.composite
def uploads(draw: st.DrawFn) -> bytes:
    """A seed picture with a few bytes changed, and now and then cut short."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 4))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    if draw(st.integers(0, 5)) == 0:
        del data[draw(st.integers(0, len(data) - 1)) :]
    return bytes(data)


NAMES = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters='\r\n"'), max_size=80),
    st.sampled_from(
        ["../../../../tmp/owned.jpg", "/etc/passwd", "a\u202egpj.exe", "..", "CON", "x" * 400]
    ),
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(uploads(), st.binary(max_size=4096)),
    name=NAMES,
    declared=st.sampled_from(["image/jpeg", "image/png", "application/pdf", "text/html", ""]),
)
def test_random_files_never_break_the_import(
    watched_app: tuple[Flask, Watched, Kiosk], body: bytes, name: str, declared: str
) -> None:
    _, watched, kiosk = watched_app
    kiosk.get("/scan/passeport")
    response = kiosk.post(
        "/scan/passeport/import",
        {"picture": (io.BytesIO(body), name, declared)},
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 404), response.status_code
    assert response.location is None or response.location.startswith(("/scan/passeport", "/"))
    watched.check()


def test_the_watch_sees_a_file_written_outside_the_instance(
    watched_app: tuple[Flask, Watched, Kiosk],
) -> None:
    app, watched, _ = watched_app
    (Path(app.instance_path) / "inside.tmp").write_bytes(b"fine")
    watched.check()
    for root in watched.roots:
        stray = root / "stray.jpg"
        stray.write_bytes(b"passport")
        with pytest.raises(AssertionError):
            watched.check()
        stray.unlink()
    watched.check()
