"""python manage.py fixity_check: re-hash stored page files and check page counts and orphan files now."""

from django.core.management.base import BaseCommand

from archives import fixity


class Command(BaseCommand):
    help = "核对扫描图像文件的完整性：重新计算 SHA-256，核对图像页数与目录页数，查找孤立文件。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=None, help="每批页数（默认取系统参数）")
        parser.add_argument("--all", action="store_true", help="一直核对到本轮结束（否则只核对一批）")
        parser.add_argument("--no-structure", action="store_true", help="不核对页数与孤立文件")

    def handle(self, *args, **options):
        checked = changed = missing = 0
        while True:
            stats = fixity.verify_next_batch(batch_size=options["batch"])
            checked += stats["checked"]
            changed += stats["changed"]
            missing += stats["missing"]
            if not options["all"] or stats["cycle_finished"]:
                break
        self.stdout.write(f"已核对 {checked} 页：内容变化 {changed} 页，文件缺失 {missing} 页。")
        if not options["no_structure"]:
            result = fixity.check_structure()
            self.stdout.write(
                f"页数不符的材料 {result['page_counts']['mismatched']} 件，"
                f"孤立文件 {result['orphans']['orphans']} 个（共检查 {result['orphans']['files']} 个扫描文件）。"
            )
