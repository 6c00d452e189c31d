from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from customercenter.models import User


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, loading the customer with the user: every page needs both."""

    def get_user(self, user_id):
        user = User.objects.select_related("customer").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
