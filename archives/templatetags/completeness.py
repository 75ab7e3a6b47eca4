"""{% completeness_card archive %}: the completeness report of an archive, for any page that shows an archive.

Used on the archive page and inside every access request and review case. The host page has already decided that
the user may see the archive; the card adds the clerk's actions only for users who may manage it. When the archive
has never been checked, the card loads itself (HTMX) from the card view, which runs the check. While a re-check is
queued the card refreshes itself through HTMX until the new result is stored.
"""

from django import template

from archives.completeness import year_ranges

register = template.Library()


@register.inclusion_tag("archives/_completeness_card.html", takes_context=True)
def completeness_card(context, archive, detail_link=True):
    from archives.completeness import report_for
    from archives.views_completeness import card_context

    request = context.get("request")
    user = getattr(request, "user", None)
    # One query for the stored report. A never-checked archive gets a placeholder that loads the card (and so
    # runs the check) in its own request: the host page's query count does not depend on it.
    report = report_for(archive) if archive is not None else None
    result = card_context(user, archive, report, detail_link=detail_link)
    result.update({"csrf_token": context.get("csrf_token"), "request": request})
    return result


@register.filter
def years_text(years) -> str:
    return year_ranges(years or [])
