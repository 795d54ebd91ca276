from allauth.account.adapter import DefaultAccountAdapter


class StaffAccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by council admins, never by open sign-up."""

    def is_open_for_signup(self, request):
        return False
