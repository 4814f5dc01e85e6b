"""The wallet endpoints' rate limit (WALLET_THROTTLE_RATE), per client address as the trusted proxies saw it."""

from badges.api.throttling import _SettingsRateThrottle


class WalletThrottle(_SettingsRateThrottle):
    """One budget per client address for every wallet endpoint: they answer anonymous callers, and the token,
    transaction code and presentation checks must not be tried at speed."""

    scope = "wallet"
    rate_setting = "WALLET_THROTTLE_RATE"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
