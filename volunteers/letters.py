"""The thank-you letter after a farewell, as a PDF (fpdf2).

Text is translated with gettext in the language that is active for the request (Dutch by
default). The letter uses the PDF core font Helvetica, which needs no font files on the server;
its encoding is Windows-1252, which covers Dutch (ë, é, ï), typographic quotes and dashes. A
character outside it (a name in another script) is written without its accent rather than fail.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from reclass_volunteers.models import User
from volunteers.choices import FarewellReason
from volunteers.models import Farewell, Volunteer

ENCODING = "windows-1252"
LINE = 6.0
# Latin letters that Unicode does not decompose into a base letter and an accent.
_FOLD = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "\N{LATIN SMALL LETTER DOTLESS I}": "i",
        "Ħ": "H",
        "ħ": "h",
    }
)


def _printable(text: str) -> str:
    """Text the core font can show: as is where possible, else without accents, else '?'."""
    try:
        text.encode(ENCODING)
    except UnicodeEncodeError:
        out = []
        for char in text:
            try:
                char.encode(ENCODING)
            except UnicodeEncodeError:
                bare = "".join(
                    c
                    for c in unicodedata.normalize("NFKD", char.translate(_FOLD))
                    if not unicodedata.combining(c)
                )
                try:
                    bare.encode(ENCODING)
                except UnicodeEncodeError:
                    bare = "?"
                out.append(bare)
            else:
                out.append(char)
        return "".join(out)
    return text


def _day(day: date) -> str:
    return date_format(day, "j F Y")


def _paragraphs(
    *, volunteer: Volunteer, farewell: Farewell, started_on: date | None
) -> tuple[str, list[str]]:
    """The salutation and the body of the letter."""
    organisation = volunteer.organisation.name
    names = {
        "name": volunteer.full_name,
        "first_name": volunteer.first_name,
        "organisation": organisation,
        "end": _day(farewell.held_on),
        "removal": _day(volunteer.personal_data_removal_on)
        if volunteer.personal_data_removal_on
        else "",
    }
    if farewell.reason == FarewellReason.DECEASED:
        names["start"] = _day(started_on or timezone.localdate(volunteer.created_at))
        return _("To the relatives of %(name)s,") % names, [
            _(
                "With great sadness we learned of the death of %(name)s. From %(start)s "
                "%(first_name)s gave time and attention as a volunteer with %(organisation)s."
            )
            % names,
            _(
                "The people %(first_name)s supported, and all of us, are grateful for that "
                "commitment. We wish you much strength in this difficult time."
            )
            % names,
        ]
    if started_on is not None:
        names["start"] = _day(started_on)
        period = _(
            "From %(start)s to %(end)s you volunteered with %(organisation)s. On behalf of "
            "everyone here, and of the people you supported, we thank you warmly for that."
        )
    else:
        names["start"] = _day(timezone.localdate(volunteer.created_at))
        period = _(
            "From your application on %(start)s until %(end)s you offered your time to "
            "%(organisation)s. Thank you warmly for your interest and for the time you gave us."
        )
    body = [
        period % names,
        _(
            "Volunteers make a difference that professionals alone cannot make: someone who "
            "listens, helps with practical things and believes in a new start. Your commitment "
            "mattered, to the people you met and to our organisation."
        ),
        _(
            "We wish you all the best for the future. You are always welcome to get in touch "
            "with us."
        ),
    ]
    if names["removal"]:
        body.append(
            _("As our privacy statement says, we will remove your personal data on %(removal)s.")
            % names
        )
    return _("Dear %(first_name)s,") % names, body


def thank_you_letter(
    *, volunteer: Volunteer, farewell: Farewell, started_on: date | None, signed_by: User
) -> bytes:
    """The letter as PDF bytes. `started_on` is the day the volunteer first became active, or
    None when they never started."""
    organisation = volunteer.organisation.name
    salutation, body = _paragraphs(volunteer=volunteer, farewell=farewell, started_on=started_on)

    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_title(_printable(_("Thank you, %(name)s") % {"name": volunteer.full_name}))
    pdf.set_author(_printable(organisation))
    pdf.set_lang(get_language() or "nl")
    pdf.set_margins(25, 25, 25)
    pdf.add_page()

    def write(text: str, *, size: float = 11, style: str = "", gap: float = 0) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(0, LINE, _printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if gap:
            pdf.ln(gap)

    write(organisation, size=16, style="B", gap=12)
    write(volunteer.full_name)
    place = " ".join(part for part in (volunteer.postcode, volunteer.city) if part)
    if place and farewell.reason != FarewellReason.DECEASED:
        write(place)
    pdf.ln(10)
    write(_day(timezone.localdate()), gap=8)
    write(_("Subject: thank you"), style="B", gap=8)
    write(salutation, gap=4)
    for paragraph in body:
        write(paragraph, gap=4)
    pdf.ln(6)
    write(_("With kind regards,"), gap=10)
    write(signed_by.full_name)
    write(organisation)
    return bytes(pdf.output())
