"""What a platform's callback endpoint's answer means, and what to do about it.

A failed delivery is read by what the endpoint answered, not guessed: a 404 is a wrong URL, not
a signature problem. Both the explanation of one callback and the verdict on a platform's
callbacks read their latest attempt through `endpoint_answer`.
"""

from dataclasses import dataclass

# Words in a delivery's error (no HTTP answer came back) that say why, most specific first:
# the HTTP client's messages for a TLS failure, a timeout, or a refused or unresolvable connection.
TLS_WORDS = ("ssl", "tls", "certificate", "handshake")
TIMEOUT_WORDS = ("timed out", "timeout", "time out")


@dataclass(frozen=True)
class EndpointAnswer:
    """One kind of failure. `code` ends the verdict's code (`callback.<code>`); `what` completes
    "<platform>'s endpoint …"; `next_step` is for ops; `tell_the_customer` is plain text with
    `{url}` and `{answer}` to fill; `retry_can_help`: whether resending as it is can work."""

    code: str
    what: str
    next_step: str
    tell_the_customer: str
    retry_can_help: bool


NOT_FOUND = EndpointAnswer(
    "endpoint_not_found", "answers {answer}: there is nothing at the callback URL, so the URL is wrong or the "
    "endpoint was removed",
    "Ask the platform for its current callback URL and have them update it in their settings; then resend.",
    "Your callback URL {url} answers {answer}: nothing is there. Please check the URL in your settings "
    "(a moved or renamed endpoint); we resend the callbacks you missed once it is right.",
    retry_can_help=False)
UNAUTHORISED = EndpointAnswer(
    "endpoint_unauthorised", "refuses our callbacks with {answer}: it does not accept our credentials or signature",
    "Ask the platform's developers to check how their endpoint verifies our signature (a rotated secret is "
    "the usual cause); resend once they accept it.",
    "Your callback endpoint {url} refuses our callbacks with {answer}. Please check that it verifies our "
    "signature with your current webhook secret; we resend the ones you missed once it accepts them.",
    retry_can_help=False)
REDIRECTED = EndpointAnswer(
    "endpoint_redirecting", "answers {answer}, a redirect: we do not follow redirects with callbacks",
    "Ask the platform to set the final URL (the one the redirect points to) as its callback URL; then resend.",
    "Your callback URL {url} answers {answer}, a redirect, and callbacks are not sent on to another address. "
    "Please set the final URL in your settings; we resend the callbacks you missed once it is right.",
    retry_can_help=False)
RATE_LIMITED = EndpointAnswer(
    "endpoint_rate_limiting", "answers {answer}: it limits how often we may call it",
    "Nothing to change on our side: we keep retrying more slowly. If it persists, ask the platform to allow our "
    "callback rate.",
    "Your callback endpoint {url} answers {answer} (too many requests) to our callbacks. Please allow our "
    "callback rate; we keep retrying.",
    retry_can_help=True)
REJECTED = EndpointAnswer(
    "endpoint_rejecting", "rejects the callback itself with {answer}: its validation refuses what we send",
    "Ask the platform's developers what their endpoint objects to (their logs name it); resend once they accept "
    "our callback format.",
    "Your callback endpoint {url} rejects our callbacks with {answer}. Please check your logs for why it refuses "
    "them; we resend the ones you missed once it accepts them.",
    retry_can_help=False)
SERVER_ERROR = EndpointAnswer(
    "endpoint_failing", "is failing: it answers {answer}, a server error on their side",
    "Tell the platform's developers their endpoint returns server errors; resend once they fix it.",
    "Your callback endpoint {url} answers {answer} to our callbacks, so we cannot deliver them. Once it is fixed "
    "we resend the ones you missed.",
    retry_can_help=True)
TIMEOUT = EndpointAnswer(
    "endpoint_timing_out", "does not answer in time ({answer})",
    "Tell the platform their endpoint is too slow to answer; it should acknowledge at once and work afterwards. "
    "We keep retrying.",
    "Your callback endpoint {url} does not answer in time ({answer}). Please acknowledge callbacks at once and "
    "do the work afterwards; we keep retrying.",
    retry_can_help=True)
TLS_FAILURE = EndpointAnswer(
    "endpoint_tls_failing", "cannot be reached securely ({answer}): its TLS certificate or setup is not accepted",
    "Tell the platform their endpoint's certificate is not accepted (expired, self-signed or the wrong name); "
    "resend once it is fixed.",
    "Our callbacks to {url} fail before they are sent because the endpoint's TLS certificate is not accepted "
    "({answer}). Please check the certificate; we resend the ones you missed once it is fixed.",
    retry_can_help=False)
UNREACHABLE = EndpointAnswer(
    "endpoint_unreachable", "cannot be reached ({answer})",
    "Tell the platform its endpoint is unreachable; once it answers, resend the callbacks.",
    "Our callbacks to {url} get no answer ({answer}); please check the endpoint is up and reachable from the "
    "internet.",
    retry_can_help=True)


def endpoint_answer(*, status: int | None, error: str) -> EndpointAnswer:
    """The kind of a failed delivery, from its HTTP status or, with none, from its error."""
    if status is None:
        words = error.lower()
        if any(word in words for word in TLS_WORDS):
            return TLS_FAILURE
        if any(word in words for word in TIMEOUT_WORDS):
            return TIMEOUT
        return UNREACHABLE
    if status in (404, 410):
        return NOT_FOUND
    if status in (401, 403):
        return UNAUTHORISED
    if status == 429:
        return RATE_LIMITED
    if 300 <= status < 400:
        return REDIRECTED
    if status >= 500:
        return SERVER_ERROR
    return REJECTED


def answer_text(*, status: int | None, error: str) -> str:
    """The answer as people read it: "404", or the error when no HTTP answer came back."""
    if status is not None:
        return str(status)
    return error or "no response"
