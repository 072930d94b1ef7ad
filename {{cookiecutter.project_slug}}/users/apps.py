from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "Users API"

    def ready(self) -> None:
        # Load the consumers with the app, in every process (Daphne, HTTP workers,
        # management commands), so that what they register, such as the observers that
        # publish changes for live updates, is in place wherever a change is made.
        from django.contrib.auth.signals import user_login_failed

        from . import consumers  # noqa: F401
        from .signin import on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="users.sign_in_failures")
