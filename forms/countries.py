"""Countries an applicant can choose, named in any language from CLDR data.

Names come from Babel's copy of the Unicode CLDR, which is reviewed by native
speakers for every language we ship; codes are ISO 3166-1 alpha-2 (plus XK,
Kosovo, which CLDR and French administrations use).
"""

from __future__ import annotations

from functools import cache

from babel import Locale

# CLDR territories that are groupings or placeholders, not countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})

#: Countries most often chosen at French residence-permit desks (first permits
#: and asylum claims, 2024; see ../shared/docs/domain.md §6), shown first.
COMMON_COUNTRIES = ("MA", "DZ", "TN", "CN", "US", "AF", "IN", "SN", "CM", "UA", "GN", "CD", "CI")


def _codes() -> frozenset[str]:
    codes = [str(code) for code in Locale("en").territories]
    return frozenset(
        code for code in codes if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


COUNTRY_CODES: frozenset[str] = _codes()


@cache
def country_names(language: str) -> dict[str, str]:
    """Map every country code to its name in a language (BCP 47 tag, e.g. "ar")."""
    locale = Locale.parse(language.replace("-", "_"))
    fallback = Locale("en").territories
    return {code: locale.territories.get(code, fallback[code]) for code in COUNTRY_CODES}


def country_name(code: str, language: str) -> str:
    """Return the name of one country in a language, or the code if unknown."""
    return country_names(language).get(code, code)
