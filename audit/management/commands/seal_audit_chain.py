from django.core.management.base import BaseCommand

from audit import chain


class Command(BaseCommand):
    help = "封存尚未封存的审计事件（Seal unsealed audit events into the hash chain）."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="检查全部历史事件，而不只是最近一小时")

    def handle(self, *args, **options):
        sealed = chain.seal(full=options["full"])
        self.stdout.write(self.style.SUCCESS(f"已封存 {sealed} 条事件。"))
