"""The sandbox as X's OAuth 2.0 provider: Authorization Code with PKCE, built on oauthlib."""
