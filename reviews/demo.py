"""Demo pre-appointment reviews for `manage.py seed_demo`: a few cases in different states, through the services.

- QS00003: the League admission form (scanned) states a birth date one year earlier than the appointment
  form: BIRTHDATE_INCONSISTENT and BIRTHDATE_NOT_EARLIEST; shenpi reviews; shenpi2 has proposed a birth-date
  determination that waits for shenpi's approval.
- QS00007: the archive with an altered high-school form (archives.demo_materials): shenpi2 recorded 暂缓.
- a city cadre whose four checks are done, flags resolved, 可提交部务会.
- DH00013: a county case for dh_shenpi (the county's inconsistent archive).

Idempotent: each case is keyed by archive and proposed post and skipped when it exists. Runs after
archives.demo_materials (it needs the directories).
"""

from __future__ import annotations

import datetime
import hashlib
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from archives import determinations
from archives.models import Archive, CadreStatus, Material, MaterialStatus, Page
from reviews import services
from reviews.models import FlagStatus, ReviewCase


def _font(size: int):
    return ImageFont.truetype(settings.CJK_FONT_PATH, size)


def _league_page(material: Material, number: int, total: int) -> bytes:
    """A 200 dpi greyscale scan of a League admission form page stating the (earlier) birth date."""
    cadre = material.archive.cadre
    width, height = 1654, 2339
    image = Image.new("L", (width, height), 246)
    draw = ImageDraw.Draw(image)
    title = "中国共产主义青年团入团志愿书"
    tf, bf, sf = _font(60), _font(34), _font(26)
    draw.text(((width - draw.textlength(title, font=tf)) / 2, 170), title, font=tf, fill=20)
    lines = (
        [
            f"姓　　名：{cadre.name}　　　　性　　别：{cadre.get_sex_display()}",
            f"出生年月：{material.stated_birth_date:%Y年%m月%d日}　　民　　族：{cadre.ethnicity}",
            f"籍　　贯：{cadre.native_place}　　　　家庭出身：职员",
            "所在学校：青山市第一中学　　　　班　　级：初三（2）班",
            "入团介绍人：王老师、李同学",
            f"支部大会通过日期：{material.formed_display}",
        ]
        if number == 1
        else (
            [
                "入团申请书摘要：我志愿加入中国共产主义青年团……",
                "个人简历：小学、初中就读于青山市",
                "家庭成员：父、母",
            ]
            if number < total
            else [
                "团支部大会意见：同意接收为中国共产主义青年团团员。",
                "上级团委审批意见：同意。",
                "（盖章）",
            ]
        )
    )
    y = 330
    for text in lines:
        draw.rectangle((150, y, width - 150, y + 86), outline=30, width=2)
        draw.text((175, y + 24), text, font=bf, fill=40)
        y += 86
    if number == 1:
        # The overwritten year in the birth-date line (the reason the form matters).
        draw.ellipse((560, 400, 760, 470), outline=90, width=3)
    foot = f"第 {number} 页"
    draw.text(((width - draw.textlength(foot, font=sf)) / 2, height - 120), foot, font=sf, fill=30)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, dpi=(200, 200))
    return out.getvalue()


def _scan(material: Material) -> int:
    if Page.objects.filter(material=material).exists():
        return 0
    total = material.page_count
    pages = []
    for number in range(1, total + 1):
        data = _league_page(material, number, total)
        page = Page(
            material=material,
            number=number,
            sha256=hashlib.sha256(data).hexdigest(),
            width=1654,
            height=2339,
            dpi=200,
            color_mode="L",
            image_format="JPEG",
            size_bytes=len(data),
        )
        key = page.storage_key("jpg")
        if default_storage.exists(key):
            default_storage.delete(key)
        page.image = default_storage.save(key, ContentFile(data))
        pages.append(page)
    Page.objects.bulk_create(pages)
    return len(pages)


def _case(archive, *, proposed_post, post_to_remove, reviewer, by=None, unit=None, reason="工作需要"):
    existing = ReviewCase.objects.filter(archive=archive, proposed_post=proposed_post).first()
    if existing is not None:
        return existing, False
    if ReviewCase.objects.filter(archive=archive).exclude(status="closed").exists():
        return None, False
    case = services.case_open(
        archive=archive,
        proposed_post=proposed_post,
        post_to_remove=post_to_remove,
        requesting_unit=unit or archive.cadre.unit,
        reviewer=reviewer,
        reason=reason,
        by=by or reviewer,
    )
    return case, True


def _record_checks(case, reviewer, *, archive_pass: bool):
    services.case_record_personal_matters(case=case, result="consistent", note="", by=reviewer)
    services.case_record_discipline(
        case=case,
        opinion="经查，未发现该同志有违纪违法问题，无正在核查的问题线索。",
        received_on=timezone.localdate() - datetime.timedelta(days=2),
        by=reviewer,
    )
    services.case_record_complaints(case=case, result="none", note="", by=reviewer)
    if archive_pass:
        for flag in case.flags.filter(status=FlagStatus.OPEN):
            services.flag_resolve(
                flag=flag,
                by=reviewer,
                note="经调阅原始材料并与形成单位核实，属填写笔误，已由形成单位出具说明并归档，不影响使用。",
            )
        services.case_record_archive_review(case=case, result="pass", remarks="", by=reviewer)


def seed(ctx: dict) -> str:
    users = ctx["users"]
    shenpi, shenpi2, dh_shenpi = users["shenpi"], users["shenpi2"], users["dh_shenpi"]
    archives = {
        a.archive_no: a
        for a in Archive.objects.filter(archive_no__in=["QS00003", "QS00007", "DH00013"]).select_related(
            "cadre", "cadre__unit"
        )
    }
    if len(archives) < 3 or not Material.objects.filter(archive__in=archives.values()).exists():
        return "任前审核演示数据：缺少演示档案或档案材料，未载入"
    made = pages = 0
    with transaction.atomic():
        # 1. The League admission form states an earlier birth date than the appointment form.
        a = archives["QS00003"]
        league = (
            Material.objects.filter(archive=a, kind__code="league_admission", status=MaterialStatus.FILED)
            .select_related("archive__cadre", "category")
            .first()
        )
        if league is not None:
            earlier = a.cadre.birth_date.replace(year=a.cadre.birth_date.year - 1)
            if league.stated_birth_date != earlier and not ReviewCase.objects.filter(archive=a).exists():
                Material.objects.filter(pk=league.pk).update(stated_birth_date=earlier)
                league.stated_birth_date = earlier
            pages += _scan(league)
        current = a.cadre.current_post
        case, created = _case(
            a,
            proposed_post=current.replace("副", "", 1) if "副" in current else f"{a.cadre.unit.name}党组书记",
            post_to_remove=current,
            reviewer=shenpi,
        )
        if created:
            made += 1
            services.case_record_personal_matters(case=case, result="consistent", note="", by=shenpi)
            if league is not None:
                determinations.determination_propose(
                    cadre=a.cadre,
                    subject="birth_date",
                    by=shenpi2,
                    value_date=league.stated_birth_date,
                    basis="该同志档案中形成最早的《入团志愿书》记载的出生日期早于现任免审批表一年；"
                    "经调阅原始户籍底册核实，依照最早记载认定。",
                    basis_materials=[league],
                    determining_organ="中共青山市委组织部",
                    determined_on=timezone.localdate() - datetime.timedelta(days=1),
                    review_case_id=case.pk,
                )
        # 2. An altered form: 暂缓.
        a = archives["QS00007"]
        case, created = _case(
            a,
            proposed_post="青山市发展和改革委员会副主任",
            post_to_remove=a.cadre.current_post,
            reviewer=shenpi2,
        )
        if created:
            made += 1
            services.case_record_archive_review(
                case=case,
                result="postpone",
                remarks="高中毕业生登记表出生年份有涂改，与入团志愿书等材料记载不一致，未核准前一律暂缓。",
                by=shenpi2,
            )
        # 3. A candidate ready for the department meeting.
        ready = (
            Archive.objects.filter(
                archive_no__regex=r"^QS000[1-3]\d$",
                cadre__status=CadreStatus.SERVING,
                cadre__management_level="municipal",
            )
            .exclude(archive_no__in=["QS00003", "QS00007"])
            .select_related("cadre", "cadre__unit")
            .order_by("archive_no")
        )
        target = next((x for x in ready if not ReviewCase.objects.filter(archive=x).exists()), None)
        already = ReviewCase.objects.filter(proposed_post__startswith="青山市人民政府副秘书长").first()
        if already is None and target is not None:
            case, created = _case(
                target,
                proposed_post="青山市人民政府副秘书长（正处级）",
                post_to_remove=target.cadre.current_post,
                reviewer=shenpi,
                reason="该同志政治素质好，工作实绩突出，经民主推荐和考察，拟提名任职。",
            )
            if created:
                made += 1
                _record_checks(case, shenpi, archive_pass=True)
                services.case_mark_ready(case=case, by=shenpi)
        # 4. A county case.
        a = archives["DH00013"]
        if a.cadre.status == CadreStatus.SERVING:
            case, created = _case(
                a, proposed_post="东湖县财政局局长", post_to_remove=a.cadre.current_post, reviewer=dh_shenpi
            )
            made += int(created)
    total = ReviewCase.objects.count()
    return f"任前审核：新增 {made} 件审核事项（共 {total} 件），扫描页 {pages} 页"
