"""The project's ASGI application with the benchmark's routes added; not part of the template.

``/ws/...`` is the project's own stack, untouched. DCRF is served behind the same
middleware (Origin check, session, authentication, connection caps) so that both sides
pay the same handshake. The Channels echo runs as Channels ships it, and
``/bench/asgi-echo/`` is a bare ASGI application: the ceiling of the protocol itself.
"""

from channels.routing import URLRouter

# The project's ASGI module sets Django up before anything imports a model.
from config.asgi import application as project_application
from config.asgi import websocket_stack

project_websocket = project_application.application_mapping["websocket"]

from bench_routing import websocket_urlpatterns as bench_urlpatterns  # noqa: E402

ASGI_ECHO_PATH = "/bench/asgi-echo/"
CHANNELS_ECHO_PATH = "/bench/channels-echo/"
dcrf_websocket = websocket_stack([bench_urlpatterns[0]])
channels_echo = URLRouter([bench_urlpatterns[1]])


async def asgi_echo(scope, receive, send):
    """Accept, then send every text frame straight back."""
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message.get("text")})
        else:
            return


async def application(scope, receive, send):
    if scope["type"] != "websocket":
        return await project_application(scope, receive, send)
    path = scope["path"]
    if path == ASGI_ECHO_PATH:
        return await asgi_echo(scope, receive, send)
    if path == CHANNELS_ECHO_PATH:
        return await channels_echo(scope, receive, send)
    if path.startswith("/bench/"):
        return await dcrf_websocket(scope, receive, send)
    return await project_websocket(scope, receive, send)
