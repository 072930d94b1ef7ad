from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers


def password_field() -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        style={"input_type": "password"},
    )


class UserSerializer(serializers.ModelSerializer):
    """A user as the API shows it; the password is write-only and stored hashed.

    Send ``password``, or ``password1`` and ``password2`` with the same value. Creating a
    user needs one of them; updating one does not.
    """

    password = password_field()
    password1 = password_field()
    password2 = password_field()

    class Meta:
        model = User
        fields = ["id", "username", "email", "password", "password1", "password2"]

    def validate(self, attrs: dict) -> dict:
        password = self.chosen_password(attrs)
        if password is None and self.instance is None:
            raise serializers.ValidationError({"password": ["This field is required."]})
        if password is not None:
            candidate = self.instance or User(
                username=attrs.get("username", ""), email=attrs.get("email", "")
            )
            try:
                password_validation.validate_password(password, user=candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from None
            attrs["password"] = password
        return attrs

    @staticmethod
    def chosen_password(attrs: dict) -> str | None:
        """The one password the request gives, or None; mismatches are validation errors."""
        password = attrs.pop("password", None)
        first, second = attrs.pop("password1", None), attrs.pop("password2", None)
        if first is None and second is None:
            return password
        if first != second:
            raise serializers.ValidationError({"password2": ["The two passwords differ."]})
        if password is not None and password != first:
            raise serializers.ValidationError(
                {"password": ["Send password, or password1 and password2, not both."]}
            )
        return first

    def create(self, validated_data: dict) -> User:
        password = validated_data.pop("password")
        user = User(**validated_data)
        user.set_password(password)
        user.save()
        return user

    def update(self, instance: User, validated_data: dict) -> User:
        password = validated_data.pop("password", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        if password is not None:
            instance.set_password(password)
        instance.save()
        return instance
