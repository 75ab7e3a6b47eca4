"""Builders for the grading tests (tests/reviews/test_grading*.py): a city with its clerks and reviewers, a county
organization department that submits a new cadre's archive, and helpers to score and sign."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import ManagementLevel
from reviews import grading_services as services
from tests import factories


@dataclass
class GradingKit:
    org: object
    clerk: object
    clerk2: object
    reviewer: object
    reviewer2: object
    county_clerk: object
    archive: object

    def data(self, **overrides) -> dict:
        today = timezone.localdate()
        data = {
            "submitting_unit": self.org.county_org,
            "post": "测试县副县长",
            "appointed_on": today - datetime.timedelta(days=40),
            "submitted_on": today - datetime.timedelta(days=10),
        }
        data.update(overrides)
        return data

    def create(self, archive=None, **overrides):
        return services.grading_create(
            archive=archive or self.archive, by=self.clerk, data=self.data(**overrides)
        )

    def scored(self, deductions: dict | None = None, vetoes: dict | None = None, archive=None, **overrides):
        g = self.create(archive, **overrides)
        lines = {n: {"deduction": d, "problems": f"第{n}项存在问题"} for n, d in (deductions or {}).items()}
        return services.grading_score(grading=g, by=self.clerk, lines=lines, vetoes=vetoes or {})

    def final(self, deductions=None, vetoes=None, archive=None, **overrides):
        g = self.scored(deductions, vetoes, archive, **overrides)
        g = services.grading_sign(grading=g, by=self.clerk, stage="initial")
        g = services.grading_sign(grading=g, by=self.clerk2, stage="check")
        return services.grading_sign(grading=g, by=self.reviewer, stage="second")


def build(org) -> GradingKit:
    user = factories.user
    return GradingKit(
        org=org,
        clerk=user("g_clerk", roles=["管档员"], unit=org.city_org, full_name="初审人王"),
        clerk2=user("g_clerk2", roles=["管档员"], unit=org.city_org, full_name="复核人陈"),
        reviewer=user("g_rev", roles=["审批人"], unit=org.city_org, full_name="复审人李", post="副部长"),
        reviewer2=user("g_rev2", roles=["审批人"], unit=org.city_org, full_name="审批人赵"),
        county_clerk=user("g_cclerk", roles=["管档员"], unit=org.county_org, full_name="县管档员"),
        archive=factories.archive(
            holding_unit=org.city_org, unit=org.county, level=ManagementLevel.MUNICIPAL, name="新任甲"
        ),
    )
