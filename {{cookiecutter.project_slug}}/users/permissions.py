from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaffOrReadOnly(BasePermission):
    """Signed-in users may read; only staff may create, change or delete."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.is_staff

    def has_object_permission(self, request, view, obj) -> bool:
        return self.has_permission(request, view)


class ProtectsPrivilegedAccounts(BasePermission):
    """Only superusers may change or delete staff and superuser accounts."""

    message = "Only superusers may change or delete staff and superuser accounts."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS or not (obj.is_staff or obj.is_superuser):
            return True
        return bool(request.user and request.user.is_superuser)


# The permissions of every users route: HTTP, the generic consumer and view_as_consumer.
USER_PERMISSIONS = [IsStaffOrReadOnly, ProtectsPrivilegedAccounts]
