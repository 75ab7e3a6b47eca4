import io

import pytest
from django.core.management import call_command

from accounts.models import Unit, User
from archives.models import Archive, Cadre, FamilyMember
from core.idcard import parse


def counts():
    return {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "cadres": Cadre.objects.count(),
        "archives": Archive.objects.count(),
        "family": FamilyMember.objects.count(),
    }


@pytest.mark.slow
def test_seed_demo_is_idempotent_and_realistic(db):
    call_command("seed_demo", stdout=io.StringIO())
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first
    assert first["cadres"] >= 200
    assert Unit.objects.filter(name="中共青山市委组织部", holds_archives=True).exists()
    assert Unit.objects.filter(name__endswith="县委组织部", holds_archives=True).count() == 3
    for role in ["管档员", "审批人", "查阅人", "审计员", "安全保密管理员", "系统管理员"]:
        assert User.objects.filter(groups__name=role).exists(), role
    for cadre in Cadre.objects.all():
        parsed, violations = parse(cadre.id_number)
        assert not violations, (cadre.name, cadre.id_number)
        assert parsed.birth_date == cadre.birth_date
        assert parsed.sex == cadre.sex
        assert cadre.work_start_date > cadre.birth_date
        age_at_work = cadre.age_on(cadre.work_start_date)
        assert 18 <= age_at_work <= 30
        if cadre.party_join_date:
            assert cadre.age_on(cadre.party_join_date) >= 18
