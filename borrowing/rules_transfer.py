"""The regulations on transfer (转递) and intake (接收) of archives as pure functions (docs/domain.md 4,
requirements 25-34).

Input: plain facts built by borrowing/transfers/services.py and intake.py; output: a list of
`Violation(code, message, field)`. Nothing here reads the database, the clock or the settings.

四不转递 (the four conditions under which an archive is not transferred), each with its code:

    TRANSFER_REASON_INSUFFICIENT  转递理由不充分: no basis document (kind, number, date)
    NO_TRANSFER_NOTICE            未开具转递通知单: the notice with its unique number 字第N号 is not generated
    FILE_DISORDERED               案卷材料凌乱: unfiled loose materials, unnumbered filed materials, or the
                                  sorting status is not 已整理
    FILE_INCOMPLETE               案卷材料不齐全: the completeness check lacks veto items, a volume is out on
                                  loan, out for viewing, back with an anomaly or held for review, or a suspected
                                  falsification is unresolved

The services check `four_rules` when a transfer is submitted, when it is approved and again when it is sent, so
the page, the API and the admin cannot move an archive that breaks them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import Violation

TRANSFER_REASON_INSUFFICIENT = "TRANSFER_REASON_INSUFFICIENT"
NO_TRANSFER_NOTICE = "NO_TRANSFER_NOTICE"
FILE_DISORDERED = "FILE_DISORDERED"
FILE_INCOMPLETE = "FILE_INCOMPLETE"
TRANSFER_CHANNEL_INVALID = "TRANSFER_CHANNEL_INVALID"
TRACKING_NO_REQUIRED = "TRACKING_NO_REQUIRED"
COLLECTORS_LT_2 = "COLLECTORS_LT_2"
PARTIAL_TRANSFER = "PARTIAL_TRANSFER"
RECEIVING_UNIT_INVALID = "RECEIVING_UNIT_INVALID"
TRANSFER_FORM_INCOMPLETE = "TRANSFER_FORM_INCOMPLETE"
TRANSFER_ALREADY_OPEN = "TRANSFER_ALREADY_OPEN"
RECEIPT_INVALID = "RECEIPT_INVALID"
RETURN_REASON_REQUIRED = "RETURN_REASON_REQUIRED"
CHASE_INVALID = "CHASE_INVALID"
INTAKE_COUNTS_MISMATCH = "INTAKE_COUNTS_MISMATCH"
INTAKE_SEAL_BROKEN = "INTAKE_SEAL_BROKEN"
INTAKE_FORM_INCOMPLETE = "INTAKE_FORM_INCOMPLETE"
ALTERATION_INCOMPLETE = "ALTERATION_INCOMPLETE"

# Mirrors borrowing.models / archives.models (plain strings keep this module free of models).
CHANNELS = ("confidential", "collection")
BASIS_KINDS = ("transfer_notice", "appointment", "authority_change")
SORTED = "sorted"
OUT_STATUSES = {
    "on_loan": "借出",
    "viewing": "查阅中",
    "return_anomaly": "归还异常（借阅归还核对不一致）",
    "review_hold": "审核暂存",
}
# Words a user may type for the forbidden channels; the API answers them with the rule, not a generic error.
FORBIDDEN_CHANNEL_WORDS = (
    "post",
    "mail",
    "self",
    "carry",
    "邮寄",
    "平信",
    "挂号",
    "包裹",
    "本人自带",
    "自带",
)


@dataclass(frozen=True)
class BasisFacts:
    kind: str = ""
    doc_no: str = ""
    issuer: str = ""
    date: datetime.date | None = None


@dataclass(frozen=True)
class TransferFacts:
    """What the four conditions look at, gathered by the service from the archive as it stands now."""

    archive_no: str
    basis: BasisFacts
    notice_number: str = ""
    sorting_status: str = SORTED
    sorting_label: str = "已整理"
    unfiled: tuple[str, ...] = ()  # loose materials received but not filed (titles)
    unnumbered: tuple[str, ...] = ()  # filed materials without a sequence number (titles)
    missing_veto: tuple[str, ...] = ()  # veto items the completeness check reports missing (names)
    archive_status: str = "in_store"
    paper_out: bool = False  # an open check-out (reading room or loan) of borrowing
    falsification: tuple[str, ...] = ()  # unresolved suspected falsification (descriptions)


def _list(items: Iterable[str], limit: int = 3) -> str:
    items = list(items)
    text = "、".join(f"《{i}》" for i in items[:limit])
    return text + (f"等{len(items)}份" if len(items) > limit else "")


def check_basis(basis: BasisFacts, *, today: datetime.date) -> list[Violation]:
    """TRANSFER_REASON_INSUFFICIENT: a transfer or appointment notice with its number and date (requirement 25)."""
    prefix = "转递理由不充分"
    violations = []
    if basis.kind not in BASIS_KINDS:
        violations.append(
            Violation(
                TRANSFER_REASON_INSUFFICIENT,
                f"{prefix}：须有调动通知或任免通知等依据文件，请选择依据文件类别。",
                "basis_kind",
            )
        )
    if not (basis.doc_no or "").strip():
        violations.append(
            Violation(TRANSFER_REASON_INSUFFICIENT, f"{prefix}：请填写依据文件的文号。", "basis_doc_no")
        )
    if basis.date is None:
        violations.append(
            Violation(TRANSFER_REASON_INSUFFICIENT, f"{prefix}：请填写依据文件的日期。", "basis_date")
        )
    elif basis.date > today:
        violations.append(
            Violation(TRANSFER_REASON_INSUFFICIENT, f"{prefix}：依据文件的日期不能晚于今天。", "basis_date")
        )
    return violations


def check_notice(facts: TransferFacts) -> list[Violation]:
    """NO_TRANSFER_NOTICE: the notice with its unique number 字第N号 (requirement 26)."""
    if facts.notice_number:
        return []
    return [
        Violation(
            NO_TRANSFER_NOTICE,
            "未开具转递通知单：须先生成带有唯一编号（××字第×号）的转递通知单。",
            "notice",
        )
    ]


def check_order(facts: TransferFacts) -> list[Violation]:
    """FILE_DISORDERED: 案卷材料凌乱 (requirement 27)."""
    prefix = "案卷材料凌乱"
    violations = []
    if facts.unfiled:
        violations.append(
            Violation(
                FILE_DISORDERED,
                f"{prefix}：档案{facts.archive_no}有{len(facts.unfiled)}份零散材料尚未归档（{_list(facts.unfiled)}），"
                "须鉴别归档或退回后再转递。",
                "archive",
            )
        )
    if facts.unnumbered:
        violations.append(
            Violation(
                FILE_DISORDERED,
                f"{prefix}：{len(facts.unnumbered)}份已归档材料没有顺序号（{_list(facts.unnumbered)}）。",
                "archive",
            )
        )
    if facts.sorting_status != SORTED:
        violations.append(
            Violation(
                FILE_DISORDERED,
                f"{prefix}：档案整理状态为“{facts.sorting_label}”，须整理装订（已整理）后再转递。",
                "archive",
            )
        )
    return violations


def check_complete(facts: TransferFacts) -> list[Violation]:
    """FILE_INCOMPLETE: 案卷材料不齐全 (requirement 28): missing veto items, a volume not in the store, or an
    unresolved suspected falsification. A whole archive moves: nothing is sent while part of it is out."""
    prefix = "案卷材料不齐全"
    violations = []
    if facts.missing_veto:
        names = "、".join(facts.missing_veto[:4]) + ("等" if len(facts.missing_veto) > 4 else "")
        violations.append(
            Violation(
                FILE_INCOMPLETE,
                f"{prefix}：完整性检查缺少单项否决材料（{names}），须补齐后再转递。",
                "archive",
            )
        )
    out_label = OUT_STATUSES.get(facts.archive_status)
    if out_label or facts.paper_out:
        what = out_label or "出库未还"
        violations.append(
            Violation(
                FILE_INCOMPLETE,
                f"{prefix}：档案{facts.archive_no}当前为“{what}”，有案卷不在库，须归还入库后整卷转递，不得分批转出。",
                "archive",
            )
        )
    if facts.falsification:
        violations.append(
            Violation(
                FILE_INCOMPLETE,
                f"{prefix}：有涉嫌造假的问题尚未核查处理（{'；'.join(facts.falsification[:3])}），核查处理前不得转递。",
                "archive",
            )
        )
    return violations


def four_rules(facts: TransferFacts, *, today: datetime.date) -> list[Violation]:
    """四不转递, in the order of the regulation: reason, notice, order, completeness."""
    return [
        *check_basis(facts.basis, today=today),
        *check_notice(facts),
        *check_order(facts),
        *check_complete(facts),
    ]


def check_channel(channel: str) -> list[Violation]:
    """Only 机要交通 or 专人送取 exist; post and the cadre carrying it are refused with a rule, not offered."""
    if channel in CHANNELS:
        return []
    text = (channel or "").strip().lower()
    if text and any(word in text for word in FORBIDDEN_CHANNEL_WORDS):
        message = (
            "档案不得通过普通邮寄（平信、挂号、包裹）转递，也不得由干部本人携带：请选择机要交通或专人送取。"
        )
    else:
        message = "请选择转递方式：机要交通或专人送取。"
    return [Violation(TRANSFER_CHANNEL_INVALID, message, "channel")]


def normalise_names(names: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for name in names or ():
        name = (name or "").strip()
        if name and name not in seen:
            seen.append(name)
    return seen


def check_dispatch(
    *, channel: str, tracking_no: str, collectors: Iterable[str], cadre_name: str = ""
) -> list[Violation]:
    """At sending: the courier's tracking number (机要号), or at least two named staff collecting it, none of
    whom is the cadre (requirement 29)."""
    violations = check_channel(channel)
    if violations:
        return violations
    if channel == "confidential" and not (tracking_no or "").strip():
        violations.append(Violation(TRACKING_NO_REQUIRED, "机要交通转递须填写机要号。", "tracking_no"))
    if channel == "collection":
        names = normalise_names(collectors)
        if len(names) < 2:
            violations.append(
                Violation(
                    COLLECTORS_LT_2,
                    "专人送取须由两名以上工作人员办理，请填写取档人员姓名（同一人重复填写只计一人）。",
                    "collectors",
                )
            )
        if cadre_name and cadre_name.strip() in names:
            violations.append(
                Violation(
                    TRANSFER_CHANNEL_INVALID,
                    f"档案不得由干部本人携带：{cadre_name}不能作为取档人员。",
                    "collectors",
                )
            )
    return violations


def check_counts(
    *,
    main_volumes: int | None,
    duplicate_volumes: int | None,
    loose_items: int | None,
    archive_main: int,
    archive_duplicate: int,
) -> list[Violation]:
    """The notice states what moves, and a whole archive moves: its volumes are the archive's registered volumes
    (requirement 29, "no withholding, no batches")."""
    violations = []
    if main_volumes is None or main_volumes < 1:
        violations.append(Violation(TRANSFER_FORM_INCOMPLETE, "正本至少 1 卷。", "main_volumes"))
    if duplicate_volumes is None or duplicate_volumes < 0:
        violations.append(Violation(TRANSFER_FORM_INCOMPLETE, "副本卷数不能为负数。", "duplicate_volumes"))
    if loose_items is None or loose_items < 0:
        violations.append(Violation(TRANSFER_FORM_INCOMPLETE, "材料份数不能为负数。", "loose_items"))
    if violations:
        return violations
    if main_volumes != archive_main:
        violations.append(
            Violation(
                PARTIAL_TRANSFER,
                f"档案登记有正本{archive_main}卷，须整卷转递，不得扣留或分批转出（填写的是{main_volumes}卷）。",
                "main_volumes",
            )
        )
    if duplicate_volumes != archive_duplicate:
        violations.append(
            Violation(
                PARTIAL_TRANSFER,
                f"档案登记有副本{archive_duplicate}卷，须一并转递（填写的是{duplicate_volumes}卷）。",
                "duplicate_volumes",
            )
        )
    return violations


def check_receiving_unit(*, name: str, same_as_sender: bool) -> list[Violation]:
    if not (name or "").strip():
        return [Violation(RECEIVING_UNIT_INVALID, "请填写接收单位。", "to_unit")]
    if same_as_sender:
        return [Violation(RECEIVING_UNIT_INVALID, "接收单位不能是本单位。", "to_unit")]
    return []


def check_reason(reason: str) -> list[Violation]:
    if not (reason or "").strip():
        return [
            Violation(
                TRANSFER_FORM_INCOMPLETE, "请填写转递原因（如调出、提拔任职、干部管理权限变更）。", "reason"
            )
        ]
    return []


def check_receipt(
    *, recipient: str, receipt_on: datetime.date | None, sent_on: datetime.date | None, today: datetime.date
) -> list[Violation]:
    """The receipt names who signed for it and when: not before it was sent, not in the future."""
    violations = []
    if not (recipient or "").strip():
        violations.append(Violation(RECEIPT_INVALID, "请填写回执签收人。", "recipient"))
    if receipt_on is None:
        violations.append(Violation(RECEIPT_INVALID, "请填写回执签收日期。", "receipt_on"))
    elif receipt_on > today:
        violations.append(Violation(RECEIPT_INVALID, "回执签收日期不能晚于今天。", "receipt_on"))
    elif sent_on and receipt_on < sent_on:
        violations.append(
            Violation(RECEIPT_INVALID, f"回执签收日期不能早于转出日期（{sent_on:%Y-%m-%d}）。", "receipt_on")
        )
    return violations


def check_chase(
    *, chased_on: datetime.date | None, method: str, methods: Iterable[str], sent_on, today: datetime.date
) -> list[Violation]:
    violations = []
    if method not in set(methods):
        violations.append(Violation(CHASE_INVALID, "请选择催问方式（电话、函件、当面或其他）。", "method"))
    if chased_on is None:
        violations.append(Violation(CHASE_INVALID, "请填写催问日期。", "chased_on"))
    elif chased_on > today:
        violations.append(Violation(CHASE_INVALID, "催问日期不能晚于今天。", "chased_on"))
    elif sent_on and chased_on < sent_on:
        violations.append(Violation(CHASE_INVALID, "催问日期不能早于转出日期。", "chased_on"))
    return violations


def receipt_overdue(*, sent_on: datetime.date | None, today: datetime.date, chase_days: int) -> bool:
    """回执逾期，应催问: no receipt within `chase_days` of sending (requirement 31)."""
    return bool(sent_on and (today - sent_on).days > chase_days)


# --- intake (接收) ------------------------------------------------------------------------------------------------

COUNT_LABELS = (("main", "正本", "卷"), ("duplicate", "副本", "卷"), ("loose", "材料", "份"))


def intake_discrepancies(
    *, stated: tuple[int, int, int], received: tuple[int, int, int], seal_intact: bool
) -> list[Violation]:
    """INTAKE_COUNTS_MISMATCH and INTAKE_SEAL_BROKEN (requirement 33): the counts received must equal the counts
    on the notice, and the seal must be intact; otherwise the archive is not accepted but returned."""
    violations = []
    for (key, label, unit), want, got in zip(COUNT_LABELS, stated, received, strict=True):
        if want != got:
            violations.append(
                Violation(
                    INTAKE_COUNTS_MISMATCH,
                    f"{label}数量与转递通知单不符：通知单{want}{unit}，实收{got}{unit}。",
                    f"received_{key}",
                )
            )
    if not seal_intact:
        violations.append(
            Violation(
                INTAKE_SEAL_BROKEN,
                "档案袋封口不完好（启封或破损），不予接收，应退回来件单位。",
                "seal_intact",
            )
        )
    return violations


def check_intake_form(
    *,
    sending_unit_name: str,
    channel: str,
    channels: Iterable[str],
    confidential_no: str,
    received_on: datetime.date | None,
    name: str,
    today: datetime.date,
) -> list[Violation]:
    violations = []

    def need(field: str, label: str) -> None:
        violations.append(Violation(INTAKE_FORM_INCOMPLETE, f"请填写{label}。", field))

    if not (sending_unit_name or "").strip():
        need("sending_unit_name", "来件单位")
    if channel not in set(channels):
        violations.append(
            Violation(INTAKE_FORM_INCOMPLETE, "请选择来件方式（机要交通或派人送达）。", "channel")
        )
    elif channel == "confidential" and not (confidential_no or "").strip():
        need("confidential_no", "机要号")
    if received_on is None:
        need("received_on", "收件日期")
    elif received_on > today:
        violations.append(Violation(INTAKE_FORM_INCOMPLETE, "收件日期不能晚于今天。", "received_on"))
    if not (name or "").strip():
        need("name", "干部姓名")
    return violations


def check_alteration(*, material_label: str, field_name: str, description: str) -> list[Violation]:
    """Each alteration names the material, the field and what was changed (requirement 34)."""
    violations = []
    if not (material_label or "").strip():
        violations.append(
            Violation(ALTERATION_INCOMPLETE, "请填写有涂改的材料（序号、名称）。", "material_label")
        )
    if not (field_name or "").strip():
        violations.append(
            Violation(ALTERATION_INCOMPLETE, "请填写涂改项目（如出生日期、参加工作时间）。", "field_name")
        )
    if not (description or "").strip():
        violations.append(Violation(ALTERATION_INCOMPLETE, "请说明涂改情况（改动了什么）。", "description"))
    return violations


# --- approver wording -------------------------------------------------------------------------------------------

# borrowing.rules.check_approver decides who may approve (role, 三员分立, self and relatives, cadre-management
# authority); its messages speak of access requests. The same decision, in the words of a transfer.
_WORDING = (
    ("查阅（借阅）申请", "档案转递"),
    ("本人填报的申请", "本人经办的转递"),
    ("查阅对象", "转递对象"),
)


def as_transfer_wording(violations: Iterable[Violation], what: str = "档案转递") -> list[Violation]:
    out = []
    for v in violations:
        message = v.message
        for old, new in _WORDING:
            message = message.replace(old, what if new == "档案转递" else new)
        out.append(Violation(v.code, message, v.field, v.severity))
    return out
