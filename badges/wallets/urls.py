"""URLs of wallets: the learner's "Add to a wallet" page, the offer's interaction URL, the VC-API exchange, the LCW
credential request and the platform's OpenID for Verifiable Credential Issuance endpoints and metadata."""

from django.urls import path

from . import views

urlpatterns = [
    path("wallet/add/<str:public_id>", views.add_to_wallet, name="wallet-add"),
    path("wallet/i/<str:token>", views.interaction, name="wallet-interaction"),
    path("wallet/x/<str:token>", views.exchange, name="wallet-exchange"),
    path("wallet/r/<str:token>", views.credential_request, name="wallet-request"),
    path("wallet/o/<str:token>", views.credential_offer, name="wallet-offer"),
    path("wallet/oid4vci/token", views.token_endpoint, name="wallet-token"),
    path("wallet/oid4vci/nonce", views.nonce_endpoint, name="wallet-nonce"),
    path("wallet/oid4vci/credential", views.credential_endpoint, name="wallet-credential"),
    path(".well-known/openid-credential-issuer", views.issuer_metadata, name="wallet-issuer-metadata"),
    path(".well-known/oauth-authorization-server", views.authorization_server_metadata, name="wallet-as-metadata"),
]
