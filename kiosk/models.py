"""Database tables, as SQLAlchemy 2.0 typed models.

Two kinds of session live here:

- `BrowserSession`: what sits behind the opaque cookie of one browser (its
  CSRF token, which applicant session it shows). Only the SHA-256 of the
  cookie value is stored, so a copy of the database does not let anyone
  impersonate a browser.
- `ApplicantSession`: one application being prepared, with its answers, its
  resume code and the hash of the PIN the applicant chose. It outlives browser
  sessions: the applicant may close the browser and resume elsewhere.

Personal data (answers, page images, the built dossier) is stored only sealed
by `kiosk.crypto`, in ``sealed_*`` columns holding bytes: read and write them
through `kiosk.applicants`, `kiosk.pages` and `kiosk.dossiers`, never directly.

Times are stored as naive UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    """Return the current time as naive UTC, the form stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Base class of every table."""


class BrowserSession(Base):
    """Server-side data of one browser, found by the hash of its cookie."""

    __tablename__ = "browser_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class ApplicantSession(Base):
    """One application being prepared at the kiosk."""

    __tablename__ = "applicant_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public reference, printed on the dossier and used in staff logs.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    #: Short code the applicant writes down to come back later.
    resume_code: Mapped[str] = mapped_column(String(16), unique=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    failed_pin_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    language: Mapped[str] = mapped_column(String(16))
    #: The session's data key, wrapped by the master key (kiosk.crypto); None
    #: once the session is ended: deleting it makes every ciphertext unreadable.
    sealed_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Answers to the procedure finder (sealed JSON object; None: no answer yet).
    sealed_finder_answers: Mapped[bytes | None] = mapped_column(LargeBinary)
    procedure_id: Mapped[str | None] = mapped_column(String(48))
    #: Answers to the procedure's questions (sealed JSON object, field id to
    #: value; None: no answer yet). See applicants.answers_of / store_answers.
    sealed_answers: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The page the applicant was last shown, to resume there.
    current_page: Mapped[str | None] = mapped_column(String(48))
    #: "active", "closed" (resumable), "ended" (erased, kept only as a stub).
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    saved_for_later: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_activity_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resumable_until: Mapped[dt.datetime | None] = mapped_column(index=True)
    completed_at: Mapped[dt.datetime | None]
    #: Whether a mediator took the session over at some point (for statistics).
    assisted: Mapped[bool] = mapped_column(default=False)


class DocumentPage(Base):
    """One captured page of a supporting document, flattened and checked."""

    __tablename__ = "document_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicant_session.id", ondelete="CASCADE"), index=True
    )
    #: The id of the document in the procedure's list ("passeport").
    document_id: Mapped[str] = mapped_column(String(48))
    position: Mapped[int] = mapped_column(default=0)
    #: The flattened page in colour, before cleaning (sealed JPEG, high
    #: quality): the dossier is encoded from it. See pages.master_image.
    sealed_master: Mapped[bytes] = mapped_column(LargeBinary)
    #: The cleaned page as shown on screen (sealed JPEG). See pages.preview_image.
    sealed_preview: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int]
    height: Mapped[int]
    dpi: Mapped[float] = mapped_column(Float)
    page_format: Mapped[str | None] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    #: Quarter turns clockwise the applicant asked for.
    rotation: Mapped[int] = mapped_column(default=0)
    #: Problem codes found at capture (JSON list) and their measures (JSON object).
    problems: Mapped[str] = mapped_column(Text, default="[]")
    measures: Mapped[str] = mapped_column(Text, default="{}")
    #: A mediator kept the page despite its problems: the reason's code (from
    #: the fixed list in kiosk.overrides), who (staff username) and when.
    override_reason: Mapped[str | None] = mapped_column(String(32))
    override_by: Mapped[str | None] = mapped_column(String(64))
    override_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DocumentStatus(Base):
    """What the applicant said about a document: "missing" (I don't have it)."""

    __tablename__ = "document_status"

    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicant_session.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BuiltDossier(Base):
    """The last dossier built for an applicant session (a ZIP of its files)."""

    __tablename__ = "built_dossier"

    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicant_session.id", ondelete="CASCADE"), primary_key=True
    )
    #: The ZIP of the dossier's files (sealed). See dossiers.files_of.
    sealed_archive: Mapped[bytes] = mapped_column(LargeBinary)
    #: The manifest (sealed JSON): every file, its size and SHA-256.
    sealed_manifest: Mapped[bytes] = mapped_column(LargeBinary)
    #: Documents that could not fit under the size limit (JSON list of titles).
    too_large: Mapped[str] = mapped_column(Text, default="[]")
    #: Keyed digest (crypto.fingerprint) of what it was built from (answers,
    #: pages, their order and turns): when it no longer matches, the dossier
    #: is out of date.
    source: Mapped[str] = mapped_column(String(64), default="")
    built_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class StaffAccount(Base):
    """A mediator or an administrator of the kiosk."""

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name, lower case (e.g. "cmartin").
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    #: "mediator" or "admin".
    role: Mapped[str] = mapped_column(String(16))
    #: argon2id hash of the password (full sign-in).
    password_hash: Mapped[str] = mapped_column(String(200))
    #: argon2id hash of the PIN (quick unlock at the kiosk), if one is set.
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    #: Failed password attempts in a row; counted per account, since every
    #: client of the kiosk is 127.0.0.1. Too many lock the whole account.
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    #: Failed PIN attempts in a row, and until when the PIN is refused: a
    #: locked PIN leaves the password usable, so whoever pokes at the unlock
    #: screen cannot keep a mediator out.
    pin_failed_attempts: Mapped[int] = mapped_column(default=0)
    pin_locked_until: Mapped[dt.datetime | None]
    #: Bumped at every reset or disable: a staff unlock made before it ends.
    credentials_version: Mapped[int] = mapped_column(default=0)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]


class AuditEvent(Base):
    """One staff action, appended and never changed (triggers refuse UPDATE and DELETE).

    It says who, when, on which session reference and what, never an
    applicant's personal data: `detail` holds codes (an override reason
    from a fixed list, a setting's name), not free text typed about a person.
    Each event carries the SHA-256 of the previous one, so a removed or
    altered event shows.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    #: The staff member's username, copied: the event outlives the account.
    actor: Mapped[str] = mapped_column(String(64))
    #: What was done ("take_over", "hand_back", "override", "end_session", ...).
    action: Mapped[str] = mapped_column(String(32))
    #: The applicant session's public reference, if the action was on one.
    session_reference: Mapped[str | None] = mapped_column(String(16), index=True)
    #: Codes only (JSON object), never personal data.
    detail: Mapped[str] = mapped_column(Text, default="{}")
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SessionStatistic(Base):
    """What is kept of a session once it is over: anonymous, for statistics.

    No reference, no answers, no times finer than the day: the evidence a
    public service needs (procedures, languages, completion, missing
    documents, time spent), not a trace of a person.
    """

    __tablename__ = "session_statistic"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(index=True)
    procedure_id: Mapped[str | None] = mapped_column(String(48))
    language: Mapped[str] = mapped_column(String(16))
    #: "completed" (dossier built), "abandoned", "expired" (saved, never resumed).
    outcome: Mapped[str] = mapped_column(String(16))
    #: Active time spent, in whole minutes.
    minutes: Mapped[int] = mapped_column(default=0)
    #: Ids of the required documents still missing at the end (JSON list).
    missing_documents: Mapped[str] = mapped_column(Text, default="[]")
    assisted: Mapped[bool] = mapped_column(default=False)
