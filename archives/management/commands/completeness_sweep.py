"""python manage.py completeness_sweep: check the completeness of every archive now (the nightly sweep)."""

from django.core.management.base import BaseCommand, CommandError

from archives.sweep import SweepBusy, run_sweep


class Command(BaseCommand):
    help = "对全部档案进行完整性全量核查（与每晚的定时核查相同；中断后再次执行将从未完成的批次继续）。"

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=None, help="每批档案数（默认取系统参数）")
        parser.add_argument(
            "--workers",
            action="store_true",
            help="把各批次交给 Celery 工作进程并行处理（需配置 REDIS_URL），否则在本进程内逐批处理",
        )

    def handle(self, *args, **options):
        dispatch = None
        if options["workers"]:
            from archives.tasks_completeness import sweep_completeness_chunk

            def dispatch(run_id, seq):
                sweep_completeness_chunk.delay(run_id, seq)

        try:
            run = run_sweep(trigger="command", chunk_size=options["chunk_size"], dispatch=dispatch)
        except SweepBusy as exc:
            raise CommandError(str(exc))
        if options["workers"] and run.status == run.Status.RUNNING:
            self.stdout.write(
                f"已把 {run.chunks_total - run.chunks_done} 批交给工作进程处理（核查编号 {run.pk}）。"
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"全量核查完成：{run.archives_checked} 份档案，{run.chunks_total} 批，"
                f"结果变化 {run.reports_changed} 份，用时 {run.seconds:.1f} 秒。"
            )
        )
