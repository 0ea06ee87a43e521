"""Dutch formats people type in forms: phone numbers, postcodes, lists of languages.

One place for volunteers, clients and staff forms alike; each returns the normalised text, or
None when the input is not of that format (forms turn that into their own message).
"""

from __future__ import annotations

import re

# Dutch postcodes: four digits not starting with 0, two letters; SA, SD and SS are never issued.
_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s*([A-Z]{2})$")
_UNUSED_POSTCODE_LETTERS = {"SA", "SD", "SS"}

# Area codes (without the leading 0) that have two digits; all other geographic ones have three.
# The non-geographic 084/085/087/088/091 numbers are written the same way.
_TWO_DIGIT_AREA_CODES = {
    "10", "13", "15", "20", "23", "24", "26", "30", "33", "35", "36", "38", "40", "43", "45",
    "46", "50", "53", "55", "58", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79",
    "84", "85", "87", "88", "91",
}  # fmt: skip


def normalise_phone(raw: str) -> str | None:
    """A Dutch mobile or landline number written the Dutch way ("06 12345678",
    "020 1234567", "0511 123456"), or None when it is not one.

    Accepts spaces, dashes, dots, brackets and the +31 / 0031 prefix (also "+31 (0)6...")."""
    digits = re.sub(r"[\s\-./()]", "", raw)
    if digits.startswith("+"):
        if not digits.startswith("+31"):
            return None
        digits = "0" + digits[3:]
    elif digits.startswith("0031"):
        digits = "0" + digits[4:]
    if digits.startswith("00"):  # "+31 (0)6 ..." leaves a doubled 0
        digits = digits[1:]
    if not re.fullmatch(r"0[1-9][0-9]{8}", digits):
        return None
    if digits.startswith(("0800", "090", "097")):
        return None  # free, paid and machine numbers: nobody can be called back there
    if digits.startswith("06"):
        return f"06 {digits[2:]}"
    if digits[1:3] in _TWO_DIGIT_AREA_CODES:
        return f"{digits[:3]} {digits[3:]}"
    return f"{digits[:4]} {digits[4:]}"


def normalise_postcode(raw: str) -> str | None:
    """A Dutch postcode written as "1234 AB" (from "1234ab", " 1234  ab " ...), or None."""
    found = _POSTCODE.match(raw.strip().upper())
    if found is None or found.group(2) in _UNUSED_POSTCODE_LETTERS:
        return None
    return f"{found.group(1)} {found.group(2)}"


def split_languages(raw: str) -> list[str]:
    """Free text such as "nederlands, Engels; arabisch" as ["Nederlands", "Engels", "Arabisch"]."""
    seen: dict[str, str] = {}
    for part in re.split(r"[,;\n]", raw):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name[0].upper() + name[1:]
    return list(seen.values())
