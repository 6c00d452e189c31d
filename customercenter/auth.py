from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from customercenter.models import Membership, User


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, loading the person with its memberships and their accounts in one
    query: every page needs all of them (customercenter.http.memberships_of)."""

    def get_user(self, user_id):
        memberships = list(
            Membership.objects.select_related("user", "customer")
            .filter(user_id=user_id)
            .order_by("customer__number", "pk")
        )
        if memberships:
            user = memberships[0].user
            for membership in memberships:
                membership.user = user
        else:
            user = User.objects.filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        user.loaded_memberships = memberships
        return user
