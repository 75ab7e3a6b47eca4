from rest_framework import serializers

from accounts.models import Unit, User
from accounts.roles import ALL_ROLES


class UnitSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "code",
            "parent",
            "level",
            "level_display",
            "kind",
            "kind_display",
            "holds_archives",
            "is_active",
        ]


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    unit_name = serializers.CharField(source="unit.name", read_only=True, default="")
    political_status_display = serializers.CharField(source="get_political_status_display", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "unit",
            "unit_name",
            "post",
            "political_status",
            "political_status_display",
            "phone",
            "is_active",
            "roles",
        ]
        read_only_fields = ["roles"]

    def get_roles(self, obj) -> list[str]:
        return sorted(g.name for g in obj.groups.all())


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True)
    full_name = serializers.CharField(max_length=50)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    post = serializers.CharField(max_length=100, required=False, allow_blank=True)
    political_status = serializers.ChoiceField(
        choices=User._meta.get_field("political_status").choices, required=False
    )
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ALL_ROLES), required=False)


class RolesSerializer(serializers.Serializer):
    roles = serializers.ListField(child=serializers.CharField(max_length=20), allow_empty=True)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, max_length=256)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    user = UserSerializer()
