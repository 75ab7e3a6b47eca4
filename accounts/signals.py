"""Last line of defence for the three-role separation: any path that adds groups to a user goes through here."""

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from accounts.models import User
from accounts.rules import ROLE_SEPARATION, check_roles
from core.errors import raise_for


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.role_separation_guard")
def role_separation_guard(sender, instance, action, reverse, pk_set, **kwargs):
    if action != "pre_add" or not pk_set:
        return
    if not reverse:
        added = set(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        current = set(instance.groups.values_list("name", flat=True))
        raise_for(v for v in check_roles(current | added) if v.code == ROLE_SEPARATION)
        instance._role_cache = None
        return
    # group.user_set.add(user, ...): instance is the Group, pk_set holds user ids.
    for user in User.objects.filter(pk__in=pk_set).prefetch_related("groups"):
        current = {g.name for g in user.groups.all()}
        raise_for(v for v in check_roles(current | {instance.name}) if v.code == ROLE_SEPARATION)
