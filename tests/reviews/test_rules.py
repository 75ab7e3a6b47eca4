"""Every red-flag code provoked on a crafted archive (requirements 37-41, 47, 54 and the completeness vetoes),
and the résumé parser. A clean archive raises nothing, so each test shows that its one planted problem is
what the check reacts to."""

from __future__ import annotations

import datetime

import pytest

from archives.models import CadrePost, EducationRecord, Material
from core.config import setting
from reviews import rules, selectors
from tests.reviews.conftest import BIRTH, add_material

D = datetime.date
pytestmark = pytest.mark.django_db


def codes(archive) -> list[str]:
    return [f.code for f in rules.run_checks(selectors.review_facts(archive.cadre))]


def findings(archive, code):
    return [f for f in rules.run_checks(selectors.review_facts(archive.cadre)) if f.code == code]


def test_clean_archive_has_no_flags(crafted):
    archive = crafted()
    assert rules.run_checks(selectors.review_facts(archive.cadre)) == []


def test_league_form_with_earlier_birth_date_flags_inconsistent_and_not_earliest(crafted):
    archive = crafted()
    league = Material.objects.get(archive=archive, kind__code="league_admission")
    league.stated_birth_date = D(1974, 3, 15)  # the earliest record says one year older
    league.save()
    found = {f.code: f for f in rules.run_checks(selectors.review_facts(archive.cadre))}
    assert set(found) == {"BIRTHDATE_INCONSISTENT", "BIRTHDATE_NOT_EARLIEST"}
    assert league.pk in found["BIRTHDATE_INCONSISTENT"].material_ids
    not_earliest = found["BIRTHDATE_NOT_EARLIEST"]
    assert league.pk in not_earliest.material_ids
    current_form = Material.objects.filter(archive=archive, kind__code="appointment_form").order_by(
        "-formed_on"
    )[0]
    assert current_form.pk in not_earliest.material_ids
    assert "1974.03.15" in not_earliest.message and "1975.03.15" in not_earliest.message
    assert not_earliest.subject == "birth_date"


def test_birthdate_inconsistent_between_two_later_materials(crafted):
    archive = crafted()
    add_material(archive, "annual_appraisal", year=2010, month=12, day=1, stated_birth_date=D(1976, 3, 15))
    assert codes(archive) == ["BIRTHDATE_INCONSISTENT"]  # the earliest still agrees with the form


def test_birthdate_altered(crafted):
    archive = crafted()
    m = Material.objects.get(archive=archive, kind__code="edu_highschool")
    m.is_altered = True
    m.alteration_note = "出生年份“1975”有刮改痕迹"
    m.save()
    [finding] = findings(archive, "BIRTHDATE_ALTERED")
    assert finding.material_ids == (m.pk,)
    assert "刮改" in finding.message
    assert codes(archive) == ["BIRTHDATE_ALTERED"]


def test_work_age_implausible(crafted):
    archive = crafted(work_start_date=D(1990, 9, 1))  # aged 15
    add_material(archive, "recruitment", year=1990, month=9, day=1, stated_work_start_date=D(1990, 9, 1))
    found = findings(archive, "WORK_AGE_IMPLAUSIBLE")
    assert len(found) == 1 and "15岁" in found[0].message
    assert found[0].material_ids  # the material that states it


def test_work_age_threshold_is_a_setting(crafted, settings):
    archive = crafted(work_start_date=D(1992, 7, 1))  # aged 17
    assert not findings(archive, "WORK_AGE_IMPLAUSIBLE")
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "MIN_WORK_AGE": 18}
    assert setting("MIN_WORK_AGE") == 18
    assert findings(archive, "WORK_AGE_IMPLAUSIBLE")


def test_party_age_implausible_on_cadre_and_material(crafted):
    archive = crafted(party_join_date=D(1992, 6, 1))  # aged 17
    add_material(
        archive, "party_full_member", year=1993, month=6, day=1, stated_party_join_date=D(1991, 7, 1)
    )
    keys = {f.key for f in findings(archive, "PARTY_AGE_IMPLAUSIBLE")}
    assert keys == {"PARTY_AGE_IMPLAUSIBLE:19920601", "PARTY_AGE_IMPLAUSIBLE:19910701"}


def test_post_before_work(crafted):
    archive = crafted()
    form = add_material(archive, "appointment_form", year=1996, month=1, day=1, stated_birth_date=BIRTH)
    CadrePost.objects.create(
        cadre=archive.cadre,
        start_date=D(1996, 1, 1),
        end_date=D(1997, 6, 30),
        title="某乡团委副书记",
        approving_organ="中共某县委",
        document_no="某任字〔1996〕1号",
        approved_on=D(1996, 1, 1),
        appointment_material=form,
    )
    [finding] = findings(archive, "POST_BEFORE_WORK")
    assert finding.material_ids == (form.pk,)


def test_edu_age_implausible(crafted):
    archive = crafted()
    edu = EducationRecord.objects.get(cadre=archive.cadre)
    edu.graduation_date = edu.degree_date = D(1992, 7, 1)  # a bachelor at 17
    edu.save()
    [finding] = findings(archive, "EDU_AGE_IMPLAUSIBLE")
    assert "17岁" in finding.message and finding.subject == "education"


def test_party_no_admission_form(crafted):
    archive = crafted()
    Material.objects.filter(archive=archive, kind__code="party_admission").update(status="withdrawn")
    assert codes(archive) == ["PARTY_NO_ADMISSION_FORM"]


def test_no_admission_form_needed_for_non_member(crafted):
    archive = crafted(party_join_date=None, political_status="13")
    Material.objects.filter(archive=archive, kind__code="party_admission").delete()
    assert codes(archive) == []


@pytest.mark.parametrize("missing", ["edu_entry", "edu_transcript", "edu_graduation", "edu_degree"])
def test_edu_set_incomplete(crafted, missing):
    archive = crafted()
    edu = EducationRecord.objects.get(cadre=archive.cadre)
    edu.materials.remove(*edu.materials.filter(kind__code=missing))
    [finding] = findings(archive, "EDU_SET_INCOMPLETE")
    assert finding.key == f"EDU_SET_INCOMPLETE:{edu.pk}"
    assert codes(archive) == ["EDU_SET_INCOMPLETE"]


def test_foreign_degree_after_2000_needs_verification(crafted):
    archive = crafted()
    edu = EducationRecord.objects.create(
        cadre=archive.cadre,
        mode="in_service",
        level="master",
        degree="公共管理硕士",
        school="某国立大学",
        entry_date=D(2004, 9, 1),
        graduation_date=D(2006, 7, 1),
        degree_date=D(2006, 7, 1),
        is_foreign=True,
    )
    edu.materials.set(
        [
            add_material(archive, k, year=2006)
            for k in ("edu_entry", "edu_transcript", "edu_graduation", "edu_degree")
        ]
    )
    [finding] = findings(archive, "EDU_SET_INCOMPLETE")
    assert "认证" in finding.message
    edu.materials.add(add_material(archive, "edu_verification", year=2007))
    assert codes(archive) == []


def test_resume_gap(crafted):
    archive = crafted(
        resume="1993.09--1997.07  南昌大学行政管理专业学习\n"
        "1997.10--2008.03  青山市财政局科员\n"
        "2008.03--2016.05  青山市财政局副局长\n"
        "2016.05--  青山市财政局局长"
    )
    [finding] = findings(archive, "RESUME_GAP")
    assert finding.key == "RESUME_GAP:1997.07:1997.10"
    assert "3个月" in finding.message


def test_resume_gap_threshold_setting(crafted, settings):
    archive = crafted(
        resume="1993.09--1997.07  南昌大学学习\n1997.09--2016.05  青山市财政局科员\n2016.05--  局长"
    )
    assert findings(archive, "RESUME_GAP")  # 2 months > 1
    settings.ARCHIVE_SETTINGS = {**settings.ARCHIVE_SETTINGS, "RESUME_GAP_MONTHS": 2}
    assert not findings(archive, "RESUME_GAP")


def test_resume_overlap_unless_marked_qijian(crafted):
    overlapping = (
        "1993.09--1997.07  南昌大学行政管理专业学习\n"
        "1997.07--2008.03  青山市财政局科员\n"
        "2005.09--2007.07  中央党校在职研究生学习\n"
        "2008.03--  青山市财政局副局长、局长"
    )
    archive = crafted(resume=overlapping)
    [finding] = findings(archive, "RESUME_OVERLAP")
    assert "2005.09--2007.07" in finding.message
    archive.cadre.resume = overlapping.replace("2005.09--2007.07  中央", "（其间：2005.09--2007.07在中央")
    archive.cadre.save()
    assert not findings(archive, "RESUME_OVERLAP")


def test_resume_ends_before_today(crafted):
    archive = crafted(resume="1993.09--1997.07  南昌大学学习\n1997.07--2016.05  青山市财政局科员、副局长")
    [finding] = findings(archive, "RESUME_GAP")
    assert finding.key.endswith(":now")


def test_post_without_document(crafted):
    archive = crafted()
    post = CadrePost.objects.create(
        cadre=archive.cadre,
        start_date=D(2020, 1, 1),
        title="青山市财政局党组书记",
        is_concurrent=True,
        document_no="青任字〔2020〕3号",
    )
    [finding] = findings(archive, "POST_WITHOUT_DOCUMENT")
    assert finding.key == f"POST_WITHOUT_DOCUMENT:{post.pk}"
    assert "青任字〔2020〕3号" in finding.message


def test_appointment_form_unapproved(crafted):
    archive = crafted()
    post = CadrePost.objects.get(cadre=archive.cadre, title="青山市财政局局长")
    post.document_no = ""
    post.approved_on = None
    post.save()
    [finding] = findings(archive, "APPOINTMENT_FORM_UNAPPROVED")
    assert "批准时间、任职文号" in finding.message
    assert finding.material_ids == (post.appointment_material_id,)


def test_appointment_form_not_linked_to_any_post(crafted):
    archive = crafted()
    form = add_material(archive, "appointment_form", year=2012, stated_birth_date=BIRTH)
    [finding] = findings(archive, "APPOINTMENT_FORM_UNAPPROVED")
    assert finding.material_ids == (form.pk,)


def test_appointment_form_violations_rule():
    assert (
        rules.appointment_form_violations(
            approving_organ="中共青山市委", approved_on=D(2020, 1, 1), document_no="x"
        )
        == []
    )
    [v] = rules.appointment_form_violations(approving_organ="", approved_on=None, document_no="")
    assert v.code == "APPOINTMENT_FORM_UNAPPROVED"


def test_id_birthdate_mismatch(crafted):
    from core.idcard import make_id_number

    archive = crafted(id_number=make_id_number("361102", D(1976, 3, 15), 7, "1"))
    [finding] = findings(archive, "ID_BIRTHDATE_MISMATCH")
    assert finding.severity == "warning"
    assert codes(archive) == ["ID_BIRTHDATE_MISMATCH"]


def test_id_checksum_error_is_flagged(crafted):
    from core.idcard import make_id_number

    good = make_id_number("361102", BIRTH, 7, "1")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    archive = crafted(id_number=bad)
    assert codes(archive) == ["ID_CHECKSUM"]


def test_completeness_veto_items_become_flags(crafted):
    """A municipal cadre holding posts since 1997 without the civil-servant registration form: the
    completeness report's veto item shows up as a red flag."""
    archive = crafted()
    Material.objects.filter(archive=archive, kind__code="civil_servant_registration").update(
        status="withdrawn"
    )
    vetoes = selectors.completeness_vetoes(archive)
    assert vetoes
    found = findings(archive, "COMPLETENESS_VETO")
    assert [f.key for f in found] == [v.code for v in vetoes]
    assert "公务员登记表" in found[0].message
    assert codes(archive) == ["COMPLETENESS_VETO"]


# --- résumé parser -------------------------------------------------------------------------------------------


def test_parse_resume_formats():
    parsed = rules.parse_resume(
        "1993.09--1997.07  南昌大学学习\n"
        "1997.7-2001.12 某局科员\n"
        "    （负责财务工作）\n"
        "2002年01月—2005年06月  某局副科长\n"
        "（其间：2003.09--2005.07在某党校学习）\n"
        "2005.06--至今  某局科长\n"
        "乱写的一行"
    )
    assert [p.label for p in parsed.periods] == [
        "1993.09--1997.07",
        "1997.07--2001.12",
        "2002.01--2005.06",
        "2003.09--2005.07",
        "2005.06--至今",
    ]
    assert parsed.periods[1].text.endswith("（负责财务工作）")
    assert [p.concurrent for p in parsed.periods] == [False, False, False, True, False]
    assert parsed.periods[-1].text.endswith("某局科长乱写的一行")
    assert parsed.unparsed == ()


def test_parse_resume_bad_month_is_unparsed():
    parsed = rules.parse_resume("1993.13--1997.07  南昌大学学习")
    assert parsed.periods == () and parsed.unparsed == ("1993.13--1997.07  南昌大学学习",)


def test_first_clerk_post_is_documented_by_the_recruitment_form(crafted):
    archive = crafted()
    CadrePost.objects.create(
        cadre=archive.cadre,
        start_date=D(1997, 7, 1),
        end_date=D(2008, 2, 28),
        title="青山市财政局科员",
        rank="10",
    )
    assert not findings(archive, "POST_WITHOUT_DOCUMENT")  # the 1997 录用审批表 documents it
    CadrePost.objects.create(
        cadre=archive.cadre,
        start_date=D(2004, 1, 1),
        end_date=D(2008, 2, 28),
        title="青山市财政局预算科科长",
        rank="30",
    )
    [finding] = findings(archive, "POST_WITHOUT_DOCUMENT")
    assert "预算科科长" in finding.message


def test_inconsistent_message_groups_the_dates(crafted):
    archive = crafted()
    league = Material.objects.get(archive=archive, kind__code="league_admission")
    league.stated_birth_date = D(1974, 3, 15)
    league.save()
    [finding] = findings(archive, "BIRTHDATE_INCONSISTENT")
    assert finding.message.startswith(
        "各材料记载的出生日期不一致：记载为1974.03.15的有《中国共产主义青年团入团志愿书》"
    )
    assert "等7份材料" in finding.message  # the seven that agree on 1975.03.15, named by the first three
    assert league.pk in finding.material_ids and len(finding.material_ids) == 3


def test_altered_material_without_a_birth_date_is_not_settled_by_a_birthdate_determination(crafted):
    archive = crafted()
    m = add_material(
        archive, "annual_appraisal", year=2011, is_altered=True, alteration_note="考核等次栏有涂改痕迹"
    )
    [finding] = findings(archive, "BIRTHDATE_ALTERED")
    assert finding.subject == "" and finding.material_ids == (m.pk,)
