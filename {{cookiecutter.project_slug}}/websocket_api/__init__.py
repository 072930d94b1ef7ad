"""REST-like actions over one WebSocket, built the way Django REST Framework builds views.

A consumer receives JSON requests such as ``{"action": "retrieve", "pk": 1}`` and answers
each with one reply in a fixed envelope (``action``, ``request_id``, ``response_status``,
``data``, ``errors``). ``GenericAsyncAPIConsumer`` plays the part of DRF's
``GenericAPIView``; the mixins in ``websocket_api.mixins`` add one action each;
``view_as_consumer`` serves an existing DRF view or viewset over a WebSocket.
"""
