from rest_framework import serializers

from audit import actions
from audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    action_label = serializers.SerializerMethodField(help_text="操作的中文名称")
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    actor_roles = serializers.SerializerMethodField(help_text="操作时持有的角色")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_username",
            "actor_name",
            "actor_unit_id",
            "actor_unit_name",
            "actor_roles",
            "action",
            "action_label",
            "outcome",
            "outcome_label",
            "archive_id",
            "archive_no",
            "target_type",
            "target_id",
            "target_repr",
            "ip",
            "user_agent",
            "request_id",
            "details",
        ]
        read_only_fields = fields

    def get_action_label(self, obj) -> str:
        return actions.label(obj.action)

    def get_actor_roles(self, obj) -> list[str]:
        return [r for r in obj.actor_roles.split(",") if r]
