from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication

from .signin import client_address, wait_seconds


class ThrottledBasicAuthentication(BasicAuthentication):
    """HTTP Basic, refused with 429 while the username or address has failed too often."""

    def authenticate_credentials(self, userid, password, request=None):
        wait = wait_seconds(userid, client_address(request)) if request is not None else None
        if wait is not None:
            raise exceptions.Throttled(wait)
        return super().authenticate_credentials(userid, password, request)
