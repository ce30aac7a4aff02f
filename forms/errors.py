"""Exceptions raised by the `forms` package, one class per kind of failure."""

from __future__ import annotations


class FormsError(Exception):
    """Base class for every error the `forms` package raises."""


class ProcedureError(FormsError):
    """A procedure file breaks the schema.

    The message names the place in the file (``pages[2].fields[0].type``) and
    what is wrong; `in_file` adds the file name once the loader knows it.
    """

    def __init__(self, where: str, problem: str, file: str | None = None) -> None:
        self.where = where
        self.problem = problem
        self.file = file
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"{self.file}: " if self.file else ""
        return f"{prefix}{self.where}: {self.problem}"

    def in_file(self, file: str) -> ProcedureError:
        """Return the same error, naming the file it came from."""
        return ProcedureError(self.where, self.problem, file)


class UnknownProcedure(FormsError):
    """No procedure has the requested id."""


class UnknownPage(FormsError):
    """The procedure has no page with the requested id, or it is hidden by earlier answers."""


class DocumentTooLarge(FormsError):
    """A document's PDF stays over the size limit even at the readability floor."""

    def __init__(self, title: str, smallest: int, limit: int) -> None:
        self.title = title
        self.smallest = smallest
        self.limit = limit
        super().__init__(f"{title}: {smallest} bytes at the readability floor, limit {limit}")
