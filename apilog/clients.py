"""Which client sent a request, read from its User-Agent: one of our SDKs and its version, or
raw HTTP (curl, a language's HTTP library, a hand-written integration)."""

import re
from dataclasses import dataclass

RAW_HTTP = "raw HTTP"
# Our SDKs announce themselves as `payments-sdk-<language>/<version>`, first in the User-Agent.
SDK_NAMES = {
    "dotnet": ".NET SDK",
    "python": "Python SDK",
    "node": "Node SDK",
    "php": "PHP SDK",
    "java": "Java SDK",
    "ruby": "Ruby SDK",
    "android": "Android SDK",
    "ios": "iOS SDK",
}
SDK_TOKEN = re.compile(r"\bpayments-sdk-(?P<language>[a-z]+)/(?P<version>\d+(?:\.\d+){0,3}[\w.-]*)", re.IGNORECASE)


@dataclass(frozen=True)
class ApiClient:
    name: str
    version: str = ""

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


def client_from_user_agent(user_agent: str) -> ApiClient:
    match = SDK_TOKEN.search(user_agent or "")
    if match is None or match["language"].lower() not in SDK_NAMES:
        return ApiClient(RAW_HTTP)
    return ApiClient(SDK_NAMES[match["language"].lower()], match["version"])


def version_key(version: str) -> tuple:
    """Orders versions numerically (2.10.0 after 2.9.1); what is not a number sorts first."""
    return tuple(int(part) if part.isdigit() else -1 for part in re.split(r"[.\-]", version))
