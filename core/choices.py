"""Code tables shared by several apps (national standard codes where one exists)."""

from django.db import models


class PoliticalStatus(models.TextChoices):
    """政治面貌, GB/T 4762 codes."""

    CPC_MEMBER = "01", "中共党员"
    CPC_PROBATIONARY = "02", "中共预备党员"
    CYL_MEMBER = "03", "共青团员"
    RCCK = "04", "民革党员"
    CDL = "05", "民盟盟员"
    CDNCA = "06", "民建会员"
    CAPD = "07", "民进会员"
    CPWDP = "08", "农工党党员"
    CZGP = "09", "致公党党员"
    JS = "10", "九三学社社员"
    TDSGL = "11", "台盟盟员"
    NON_PARTY = "12", "无党派人士"
    MASSES = "13", "群众"

    @classmethod
    def democratic_parties(cls):
        return {cls.RCCK, cls.CDL, cls.CDNCA, cls.CAPD, cls.CPWDP, cls.CZGP, cls.JS, cls.TDSGL}

    @classmethod
    def from_label(cls, text: str):
        """Map a written label (e.g. from LRMX or Excel) to a code; accepts the common short forms."""
        text = (text or "").strip()
        aliases = {
            "党员": cls.CPC_MEMBER,
            "中共": cls.CPC_MEMBER,
            "预备党员": cls.CPC_PROBATIONARY,
            "团员": cls.CYL_MEMBER,
        }
        for value, label in cls.choices:
            if text in (value, label):
                return cls(value)
        return aliases.get(text)


def is_party_member(status: str, *, probationary_counts: bool = True) -> bool:
    if status == PoliticalStatus.CPC_MEMBER:
        return True
    return bool(probationary_counts and status == PoliticalStatus.CPC_PROBATIONARY)


class Sex(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"
