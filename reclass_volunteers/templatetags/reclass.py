from __future__ import annotations

from django import template
from django.http import HttpRequest

register = template.Library()


@register.simple_tag
def page_url(request: HttpRequest, number: int) -> str:
    """The current list URL with its filters kept and another page number."""
    params = request.GET.copy()
    params["page"] = str(number)
    return f"?{params.urlencode()}"
