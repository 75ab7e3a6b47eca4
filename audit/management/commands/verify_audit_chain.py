from django.core.management.base import BaseCommand, CommandError

from audit import chain
from audit.services import record


def _anchor(text: str) -> tuple[int, str]:
    seq, _, digest = text.partition(":")
    if not seq.isdecimal() or len(digest) != 64:
        raise CommandError("锚点格式应为 序号:哈希（64位十六进制），例如 1024:3fa5...")
    return int(seq), digest.lower()


class Command(BaseCommand):
    help = "校验审计日志哈希链，报告第一处断裂（Verify the audit hash chain and name the first broken link）."

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="校验前先封存尚未封存的事件")
        parser.add_argument(
            "--anchor",
            metavar="SEQ:HASH",
            help="此前记下的链头（序号:哈希），校验该环节的哈希未变（防止整条链被重算）",
        )

    def handle(self, *args, **options):
        anchor = _anchor(options["anchor"]) if options["anchor"] else None
        if options["seal"]:
            sealed = chain.seal(full=True)
            self.stdout.write(f"已封存 {sealed} 条新事件。")
        result = chain.verify(anchor=anchor)
        record(
            None,
            "audit.verify",
            username="manage.py",
            outcome="success" if result.ok else "failed",
            details={
                "checked": result.checked,
                "broken": result.broken,
                "unsealed": result.unsealed,
                "anchor": options["anchor"] or "",
            },
        )
        for problem in result.problems:
            self.stdout.write(self.style.WARNING(f"提示：{problem}"))
        if not result.ok:
            b = result.broken
            raise CommandError(
                f"审计链断裂：第 {b['seq']} 个封存环节（事件 ID {b['event_id']}）：{b['reason']}。"
                f"此前 {result.checked} 个环节校验通过。"
            )
        self.stdout.write(self.style.SUCCESS(f"审计链完整：{result.checked} 个环节全部校验通过。"))
        top = chain.head()
        if top is not None:
            self.stdout.write(f"当前链头（可记录为锚点）：{top.seq}:{top.hash}")
