"""OAuth2 validator of the test IdP: userinfo answers with the demo user's profile."""
# mypy: disable-error-code="import-untyped, untyped-decorator, misc"

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class IdpValidator(OAuth2Validator):
    """DOT's validator, with the user's name and email as userinfo claims."""

    # DOT filters claims by OIDC scope (name needs "profile", email needs "email");
    # the device asks for "openid read", and /o/userinfo/ stands in for the API that
    # returns the signed-in user's data, so all claims are returned.
    oidc_claim_scope = None

    def get_additional_claims(self, request: Any) -> dict[str, str]:
        user = request.user
        return {
            "name": user.get_full_name(),
            "email": user.email,
            "preferred_username": user.get_username(),
        }
