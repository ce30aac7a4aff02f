"""Procedures as data, and the pure logic that walks them.

- `forms.schema`: what a procedure is made of (typed, immutable dataclasses);
- `forms.loader`: reads ``forms/procedures/*.toml`` and checks them;
- `forms.flow`: the next page, the previous page, progress and required
  documents, from the answers so far;
- `forms.validate`: turns submitted inputs into clean answers or errors;
- `forms.finder`: a few questions that point to the right procedure;
- `forms.deadlines`: the renewal filing window.

Nothing in this package imports Flask or touches a database.
"""
