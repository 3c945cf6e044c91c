"""Where each stand-in answers, as the service's settings name them: every outside platform
pointed at the stand-ins mounted under ``{base}/mock`` (``ehc demo``, the tests' servers)."""

from __future__ import annotations


def stand_in_settings(base: str) -> dict[str, str]:
    """The settings (``api.settings.Settings`` fields) that send the service's outside calls
    to the stand-ins of the process served at ``base``."""
    mock = f"{base}/mock"
    return {
        "wechat_api_base": f"{mock}/wechat/",
        "wechatpay_base": f"{mock}/wechat/",
        "alipay_gateway": f"{mock}/alipay/gateway.do",
        "sms_base_url": f"{mock}/sms",
        "idcheck_base_url": f"{mock}/idcheck",
        "face_base_url": f"{mock}/face",
        "insurance_base_url": f"{mock}/insurance",
        "platform_base_url": f"{mock}/platform",
    }
