from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from customercenter.models import User


class AuthenticationBackend(AllauthBackend):
    """allauth's backend; the person's accounts are read with its memberships (customercenter.http)."""

    def get_user(self, user_id):
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
