import importlib
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import demo as accounts_demo
from archives import demo as archives_demo

# Further demo data, each module with `seed(ctx: dict) -> str` (a one-line summary), run in this order when the
# module exists. ctx holds "units", "users" and "archives" (and whatever an earlier seeder adds). Each must be
# idempotent: a second run adds nothing.
EXTRA_SEEDERS = [
    "archives.demo_materials",
    "archives.demo_completeness",
    "borrowing.demo",
    "reviews.demo",
    "borrowing.transfers.demo",  # transfers in every state, intakes, the intake review
    "reviews.grading_demo",  # gradings of new cadre archives and this year's report
    "audit.demo",  # last: grants, two weeks of audit history, and the hash chain sealed over everything above
]


class Command(BaseCommand):
    help = "载入演示数据：青山市委组织部及三个县委组织部、各角色演示账号、240余名干部及其档案。可重复执行。"

    def handle(self, *args, **options):
        started = time.monotonic()
        with transaction.atomic():
            units = accounts_demo.seed_units()
            users = accounts_demo.seed_users(units)
            archives = archives_demo.seed(units, users)
        ctx = {"units": units, "users": users, "archives": archives}
        summaries = []
        for name in EXTRA_SEEDERS:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue
                raise
            step = time.monotonic()
            summary = module.seed(ctx)
            summaries.append(f"{summary}（{time.monotonic() - step:.1f} 秒）")
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据就绪：{len(units)} 个单位，{len(users)} 个演示账号，{len(archives)} 份档案"
                f"（用时 {time.monotonic() - started:.1f} 秒）。"
            )
        )
        for line in summaries:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"演示账号密码均为：{accounts_demo.DEMO_PASSWORD}")
        for username, name, unit, roles in accounts_demo.describe():
            self.stdout.write(f"  {username:<12} {name:<4} {unit:<16} {roles}")
