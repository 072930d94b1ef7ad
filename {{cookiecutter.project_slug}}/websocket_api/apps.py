from django.apps import AppConfig


class WebsocketAPIConfig(AppConfig):
    name = "websocket_api"
    verbose_name = "WebSocket API"

    def ready(self) -> None:
        from . import signals

        signals.connect()
