"""DRF serializers of the archives API: they parse and present; the rules live in archives/services.py."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Unit, User
from archives import rules
from archives.models import (
    Archive,
    Cadre,
    FamilyMember,
    Material,
    MaterialCategory,
    MaterialKind,
    Page,
)
from core.errors import DomainError


class ViolationSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)
    severity = serializers.CharField()


class FamilyMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = FamilyMember
        fields = [
            "id",
            "relation",
            "name",
            "birth_date",
            "political_status",
            "work_unit_post",
            "is_social_relation",
        ]


CADRE_FIELDS = [
    "name",
    "former_names",
    "sex",
    "ethnicity",
    "birth_date",
    "native_place",
    "birthplace",
    "id_number",
    "id_number_legacy",
    "political_status",
    "party_join_date",
    "work_start_date",
    "health",
    "fulltime_education",
    "fulltime_degree",
    "fulltime_school",
    "inservice_education",
    "inservice_degree",
    "inservice_school",
    "professional_title",
    "specialties",
    "current_post",
    "rank",
    "management_level",
    "cadre_type",
    "unit",
    "status",
    "post_start_date",
    "resume",
    "rewards_punishments",
    "appraisal_results",
]


class CadreSerializer(serializers.ModelSerializer):
    """A cadre. Creating one opens the archive too: `archive_no` and `holding_unit` are then required."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, allow_null=True)
    archive_id = serializers.IntegerField(source="archive.pk", read_only=True)
    archive_no = serializers.CharField(source="archive.archive_no", max_length=40, required=False)
    holding_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(holds_archives=True), write_only=True, required=False
    )
    family = FamilyMemberSerializer(many=True, read_only=True)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = Cadre
        fields = [
            "id",
            *CADRE_FIELDS,
            "unit_name",
            "name_pinyin",
            "name_initials",
            "archive_id",
            "archive_no",
            "holding_unit",
            "family",
            "warnings",
        ]
        read_only_fields = ["id_number_legacy", "name_pinyin", "name_initials"]

    @extend_schema_field(ViolationSerializer(many=True))
    def get_warnings(self, obj):
        from archives.services import cadre_warnings

        return [v.as_dict() for v in cadre_warnings(obj)]

    def run_validators(self, value):
        # Uniqueness (ID number...) is the service's rule, answered with its own code.
        return value

    def get_validators(self):
        return []


class CadreUpdateSerializer(CadreSerializer):
    archive_no = serializers.CharField(source="archive.archive_no", read_only=True)


class ArchiveSerializer(serializers.ModelSerializer):
    cadre_id = serializers.IntegerField(source="cadre.pk", read_only=True)
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    cadre_unit = serializers.CharField(source="cadre.unit.name", read_only=True)
    current_post = serializers.CharField(source="cadre.current_post", read_only=True)
    management_level = serializers.CharField(source="cadre.management_level", read_only=True)
    holding_unit_name = serializers.CharField(source="holding_unit.name", read_only=True)
    custodian = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    custodian_name = serializers.CharField(source="custodian.get_full_name", read_only=True, default="")
    location = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=100)

    class Meta:
        model = Archive
        fields = [
            "id",
            "archive_no",
            "cadre_id",
            "cadre_name",
            "cadre_unit",
            "current_post",
            "management_level",
            "holding_unit",
            "holding_unit_name",
            "custodian",
            "custodian_name",
            "main_volumes",
            "duplicate_volumes",
            "room",
            "cabinet",
            "shelf",
            "position",
            "location",
            "status",
            "status_display",
            "sorting_status",
            "holding_group",
            "has_digital",
            "notes",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["archive_no", "holding_unit", "has_digital", "created_at", "updated_at"]


class CategoryField(serializers.Field):
    """A leaf category written as '3', '4-1', '41' or '四-1'; read back as its '4-1' label."""

    default_error_messages = {"invalid": "材料类别无效。"}

    def to_representation(self, value):
        return value.label

    def to_internal_value(self, data):
        number, sub = rules.parse_category_label(data)
        if number is None:
            raise DomainError(
                rules.BAD_CATEGORY, "材料类别应写作 1 至 10，4、9 类须写子类（如 4-1、9-2）。", "category"
            )
        violations = rules.check_category(number, sub)
        if violations:
            raise DomainError.from_violations(violations)
        code = f"{number}{sub}" if sub else str(number)
        return MaterialCategory.objects.get(code=code)


@extend_schema_field({"type": "string", "example": "9-2"})
class CategorySchemaField(CategoryField):
    pass


class MaterialSerializer(serializers.ModelSerializer):
    archive = serializers.PrimaryKeyRelatedField(queryset=Archive.objects.all())
    archive_no = serializers.CharField(source="archive.archive_no", read_only=True)
    category = CategorySchemaField()
    category_name = serializers.CharField(source="category.name", read_only=True)
    kind = serializers.SlugRelatedField(
        slug_field="code",
        queryset=MaterialKind.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    seq_label = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=300, help_text="修改已归档材料时必填"
    )

    class Meta:
        model = Material
        fields = [
            "id",
            "archive",
            "archive_no",
            "category",
            "category_name",
            "kind",
            "seq",
            "seq_label",
            "title",
            "formed_year",
            "formed_month",
            "formed_day",
            "page_count",
            "is_copy",
            "copy_date",
            "copy_sealed_by",
            "producing_unit",
            "received_date",
            "filed_date",
            "status",
            "status_display",
            "remarks",
            "batch",
            "late_handover",
            "stated_birth_date",
            "stated_work_start_date",
            "stated_party_join_date",
            "is_altered",
            "alteration_note",
            "return_reason",
            "withdrawn_reason",
            "destruction_date",
            "destruction_reason",
            "destruction_witnesses",
            "destruction_approver",
            "version",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = [
            "seq",
            "filed_date",
            "status",
            "batch",
            "late_handover",
            "return_reason",
            "withdrawn_reason",
            "destruction_date",
            "destruction_reason",
            "destruction_witnesses",
            "destruction_approver",
            "version",
            "created_at",
            "updated_at",
        ]


class MaterialUpdateSerializer(MaterialSerializer):
    archive = serializers.PrimaryKeyRelatedField(read_only=True)


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class FileSerializer(serializers.Serializer):
    filed_date = serializers.DateField(required=False, allow_null=True)


class WithdrawSerializer(serializers.Serializer):
    approver = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )
    reason = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class DestroySerializer(serializers.Serializer):
    """销毁登记: empty or missing values reach the rule, which answers DESTRUCTION_NOT_AUTHORISED naming them."""

    approver = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False, help_text="批准销毁的审批人"
    )
    witnesses = serializers.ListField(
        child=serializers.CharField(max_length=rules.WITNESS_NAME_MAX, allow_blank=True),
        required=False,
        default=list,
        max_length=10,
        help_text="监销人姓名（至少两名不同的人，二人监销）",
    )
    reason = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    destruction_date = serializers.DateField(
        required=False, allow_null=True, help_text="实际销毁日期，缺省为今天"
    )


class MoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=[("up", "上移"), ("down", "下移")])


class PageSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Page
        fields = [
            "id",
            "number",
            "sha256",
            "width",
            "height",
            "dpi",
            "color_mode",
            "image_format",
            "size_bytes",
            "rendition_status",
            "uploaded_at",
            "image_url",
            "thumbnail_url",
        ]

    def get_image_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("pages:image", args=[obj.pk])

    def get_thumbnail_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("pages:thumb", args=[obj.pk])


class PageUploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    first_number = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class DirectoryMaterialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq_label = serializers.CharField()
    title = serializers.CharField()
    formed_year = serializers.IntegerField()
    formed_month = serializers.IntegerField(allow_null=True)
    formed_day = serializers.IntegerField(allow_null=True)
    page_count = serializers.IntegerField()
    is_copy = serializers.BooleanField()
    remarks = serializers.CharField()
    kind = serializers.CharField(source="kind.code", default=None, allow_null=True)


class DirectoryCategorySerializer(serializers.Serializer):
    code = serializers.CharField(source="category.label")
    name = serializers.CharField(source="category.name")
    heading = serializers.SerializerMethodField()
    is_header_only = serializers.BooleanField()
    materials = DirectoryMaterialSerializer(many=True)

    def get_heading(self, row) -> str:
        from archives.exports import category_heading

        return category_heading(row.category)


class DirectorySerializer(serializers.Serializer):
    archive_id = serializers.IntegerField()
    archive_no = serializers.CharField()
    cadre_name = serializers.CharField()
    categories = DirectoryCategorySerializer(many=True)
