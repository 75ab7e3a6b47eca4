"""{% falsification_form case can_act %}: the 标记涉嫌造假 form on the review case page (filed materials to pick)."""

from django import template

from archives.models import Material, MaterialStatus

register = template.Library()


@register.inclusion_tag("reviews/_falsification_form.html")
def falsification_form(case, can_act):
    materials = []
    if can_act:
        materials = list(
            Material.objects.filter(archive_id=case.archive_id, status=MaterialStatus.FILED)
            .select_related("category")
            .order_by("category__sort_order", "seq")
        )
    return {"case": case, "can_act": can_act, "materials": materials}
