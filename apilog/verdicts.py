"""The verdicts about a platform's API traffic, its callbacks and one request, in plain words,
from data already read (apilog/selectors.py) and the findings of apilog/diagnosis.py. Shared by
the explanations (apilog/explain.py) and the platform page, which reads the data once for both."""

from __future__ import annotations

import datetime

from django.utils.formats import date_format

from accounts.models import Platform
from apilog.clients import ApiClient
from apilog.diagnosis import (
    ENOUGH_REQUESTS_TO_JUDGE,
    ApiDiagnosis,
    BreakingChangeFinding,
    PersistentFailureFinding,
    RiseFinding,
)
from apilog.models import ApiChange, ApiRequest
from apilog.selectors import ApiWindow
from apilog.traffic_summary import TrafficSummary
from opsconsole.explaining.base import Evidence, SuggestedTask, Verdict
from opsconsole.explaining.times import moment
from opsconsole.wording import possessive
from payments.callback_answers import answer_text, endpoint_answer
from payments.models import Callback, CallbackDelivery

# A platform's callbacks are failing when its newest ones failed this many times in a row
# (or every one of them did): one failure among deliveries that work is a blip.
FAILING_CALLBACKS_IN_A_ROW = 3
LATEST_ATTEMPTS_SHOWN = 3
# What a refused request's status means, and what the platform's developer does about it.
REJECTIONS = {
    400: ("bad_request", "the request is malformed", "fix the request body the error message names"),
    401: ("unauthorised", "the credentials were missing or wrong",
          "check the client id and secret for this environment"),
    403: ("forbidden", "the credentials may not do this", "ask us to enable the feature, or use the right account"),
    404: ("not_found", "the object or route does not exist", "check the id and the environment (prelive ids differ)"),
    409: ("conflict", "the object is not in a state that allows this", "read the object's state first, then act"),
    422: ("invalid", "a field's value was refused", "fix the field the error names"),
    429: ("rate_limited", "the platform sent too many requests", "slow down and retry after the Retry-After delay"),
}


def day(value) -> str:
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.UTC).date()
    return date_format(value, "j F Y")


def percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}%" if fraction >= 0.01 or fraction == 0 else f"{fraction * 100:.1f}%"


def _change_text(change: ApiChange) -> str:
    return f"{day(change.changed_at)}: {change.endpoint or 'whole API'}: {change.summary}" + (
        " (breaking)" if change.breaking else "")


def _error_text(status_code: int, error_code: str) -> str:
    return f"{status_code} {error_code}" if error_code else str(status_code)


def _example(failures: list[ApiRequest], endpoint: str, *, client: ApiClient | None = None,
             status_code: int | None = None, error_code: str | None = None) -> ApiRequest | None:
    for request in failures:
        if request.endpoint != endpoint:
            continue
        if client and (request.client_name, request.client_version) != (client.name, client.version):
            continue
        if status_code is not None and (request.status_code, request.error_code) != (status_code, error_code):
            continue
        return request
    return None


# The platform's API requests ----------------------------------------------------------------------

def platform_api_verdict(*, platform: Platform, summary: TrafficSummary, failures: list[ApiRequest]) -> Verdict:
    if not summary.total:
        return Verdict(
            "platform.api.no_requests",
            f"{platform.name} made no API requests between {day(summary.window.since)} and "
            f"{day(summary.window.until)}.",
            "If its developers say requests fail, they do not reach us: check they call the "
            f"{platform.get_environment_display().lower()} host with client id {platform.client_id}.",
            [Evidence("Platform", str(platform), platform)],
        )
    findings = summary.diagnosis.findings
    if not findings and summary.total < ENOUGH_REQUESTS_TO_JUDGE:
        return _too_few_to_judge(platform, summary)
    if not findings:
        return _healthy(platform, summary)
    first, *others = findings
    if isinstance(first, BreakingChangeFinding):
        verdict = _breaking_change_verdict(first, failures)
    elif isinstance(first, PersistentFailureFinding):
        verdict = _persistent_failure_verdict(first, failures, window=summary.window)
    else:
        verdict = _rise_verdict(first, failures)
    also = [Evidence("Also", finding_summary(other)) for other in others]
    return Verdict(verdict.code, verdict.summary, verdict.next_step, [*verdict.evidence, *also],
                   verdict.retry_can_help, verdict.task, verdict.tell_the_customer)


def _healthy(platform, summary: TrafficSummary) -> Verdict:
    total, failed = summary.total, summary.failed
    return Verdict(
        "platform.api.healthy",
        f"{possessive(platform.name)} {total:,} API requests since {day(summary.window.since)} show no pattern of "
        f"failures: {failed:,} failed ({percent(failed / total)}), no client version fails after an API change "
        "and no endpoint got worse.",
        "If the platform's developers report an error, ask for the request id and search for it.",
        [Evidence("Requests", f"{total:,}, of which {failed:,} failed"), Evidence("Platform", str(platform), platform)],
    )


def _too_few_to_judge(platform, summary: TrafficSummary) -> Verdict:
    total, failed = summary.total, summary.failed
    days = len(summary.window.days)
    return Verdict(
        "platform.api.not_enough_evidence",
        f"Not enough evidence to judge {possessive(platform.name)} API traffic: {total:,} requests in {days} days "
        f"({day(summary.window.since)} to {day(summary.window.until)}), of which {failed:,} failed. Too few to tell "
        "a pattern from chance either way.",
        "Read the failed requests one by one (the platform's API requests list, failed only); if the platform "
        "reports a problem, ask for the request id.",
        [Evidence("Requests", f"{total:,}, of which {failed:,} failed"), Evidence("Platform", str(platform), platform)],
    )


def _persistent_failure_verdict(finding: PersistentFailureFinding, failures: list[ApiRequest], *,
                                window: ApiWindow | None = None, prefix: str = "platform.api") -> Verdict:
    status_code, error_code = finding.top_error
    error = _error_text(status_code, error_code)
    who = f"from {finding.client} " if finding.client else ""
    over = f" over {len(window.days)} days since {day(window.since)}" if window else ""
    rate = f"{finding.failed:,} of {finding.total:,} ({percent(finding.failed / finding.total)})"
    example = _example(failures, finding.endpoint, client=finding.client, status_code=status_code,
                       error_code=error_code) if finding.client else _example(failures, finding.endpoint)
    evidence = [Evidence(f"Requests {who}to {finding.endpoint}", f"{rate} failed{over}"),
                Evidence("Most common failure", error)]
    if example:
        evidence.append(Evidence("Example request",
                                 f"{example.request_id} at {moment(example.occurred_at, datetime.UTC)}", example))
    summary = (f"Requests {who}to {finding.endpoint} fail throughout: {rate} failed{over}, most with {error}. "
               "They failed from the start, not after a change, so there is no earlier working period to compare with.")
    scope = "client_version" if finding.client else "endpoint"
    if status_code >= 500:
        return Verdict(
            f"{prefix}.failing_throughout.{scope}", summary,
            "Escalate to the payments engineers with the example request id: these are server errors, ours to fix.",
            evidence, retry_can_help=True,
            tell_the_customer=f"Many of your requests to {finding.endpoint} fail on our side with {status_code}. Our "
                              "engineers are on it; a failed request can be retried.",
        )
    if finding.fixed_in:
        next_step = (f"Tell the platform's developers to upgrade to {finding.fixed_in}: its requests to "
                     f"{finding.endpoint} succeed.")
        tell = (f"Requests that {finding.client} sends to {finding.endpoint} are refused with {error}; "
                f"{finding.fixed_in} sends them correctly: please upgrade.")
    else:
        next_step = (f"Tell the platform's developers their requests to {finding.endpoint} are refused with {error}, "
                     "and ask what their integration sends: the requests are at fault, not a change of ours.")
        tell = (f"Your requests to {finding.endpoint} are refused with {error}. Please check what your integration "
                "sends to this endpoint against our API reference.")
    return Verdict(f"{prefix}.failing_throughout.{scope}", summary, next_step, evidence, retry_can_help=False,
                   tell_the_customer=tell)


def finding_summary(finding) -> str:
    if isinstance(finding, PersistentFailureFinding):
        who = f"{finding.client} to " if finding.client else ""
        return (f"{who}{finding.endpoint} fails throughout: {finding.failed:,} of {finding.total:,} requests "
                f"({percent(finding.failed / finding.total)})")
    if isinstance(finding, BreakingChangeFinding):
        return (f"{finding.client} to {finding.endpoint} fails with "
                f"{_error_text(finding.status_code, finding.error_code)} "
                f"since the change of {day(finding.change.changed_at)}")
    if finding.kind == "error_rate":
        return (f"{finding.endpoint}: error rate {percent(finding.before)} → {percent(finding.after)} "
                f"since {day(finding.since)}")
    return (f"{finding.endpoint}: p95 latency {finding.before:.0f} ms → {finding.after:.0f} ms "
            f"since {day(finding.since)}")


def _breaking_change_verdict(finding: BreakingChangeFinding, failures: list[ApiRequest], *,
                             prefix: str = "platform.api") -> Verdict:
    change, client = finding.change, finding.client
    example = _example(failures, finding.endpoint, client=client, status_code=finding.status_code,
                       error_code=finding.error_code)
    error = _error_text(finding.status_code, finding.error_code)
    message = f" ({example.error_message})" if example and example.error_message else ""
    fixed = f"; {finding.fixed_in} is fixed" if finding.fixed_in else "; no newer version of it works yet"
    evidence = [
        Evidence("API change", _change_text(change), change),
        Evidence(f"{client} since the change",
                 f"{finding.failed:,} of {finding.total:,} requests to {finding.endpoint} "
                 f"failed ({percent(finding.failed / finding.total)})"),
    ]
    if finding.total_before:
        evidence.append(Evidence(f"{client} before the change",
                                 f"{finding.failed_before:,} of {finding.total_before:,} failed"))
    evidence.append(Evidence("Other clients since the change", "; ".join(
        f"{tally.client}: {tally.failed_after:,} of {tally.total_after:,} failed" for tally in finding.healthy)))
    if example:
        evidence.append(Evidence("Example request",
                                 f"{example.request_id} at {moment(example.occurred_at, datetime.UTC)}", example))
    upgrade = (f"Tell the platform's developers to upgrade to {finding.fixed_in}."
               if finding.fixed_in else
               f"Tell the platform's developers what changed, and file a bug against {client.name}: "
               "no newer version works yet.")
    return Verdict(
        f"{prefix}.breaking_change.client_version",
        f"Requests from {client} to {finding.endpoint} fail with {error}{message} since the change of "
        f"{day(change.changed_at)} ({change.summary}){fixed}.",
        upgrade, evidence, retry_can_help=False,
        tell_the_customer=(
            f"Since our API change of {day(change.changed_at)} ({change.summary}), requests that {client} sends to "
            f"{finding.endpoint} are refused with {error}. "
            + (f"{finding.fixed_in} sends them correctly: please upgrade." if finding.fixed_in else
               "We are fixing the SDK and will tell you which version to upgrade to.")
        ),
    )


def _rise_verdict(finding: RiseFinding, failures: list[ApiRequest], *, prefix: str = "platform.api") -> Verdict:
    change = finding.change
    after_change = (f", after the change of {day(change.changed_at)} ({change.summary})" if change
                    else "; no API change matches it (none to this endpoint, nor a breaking one to the whole API, "
                         "in the day before)")
    evidence = []
    if change:
        evidence.append(Evidence("API change", _change_text(change), change))
    if finding.kind == "latency":
        evidence += [Evidence("p95 before", f"{finding.before:.0f} ms over {finding.requests_before:,} requests"),
                     Evidence(f"p95 since {day(finding.since)}",
                              f"{finding.after:.0f} ms over {finding.requests_after:,} requests")]
        return Verdict(
            f"{prefix}.latency_rise",
            f"{finding.endpoint} has been slower since {day(finding.since)}{after_change}: its p95 latency went from "
            f"{finding.before:.0f} ms to {finding.after:.0f} ms.",
            "Escalate to the payments engineers with the endpoint and the day it slowed down: "
            "the cause is on our side.",
            evidence, retry_can_help=None,
            tell_the_customer=f"Since {day(finding.since)} {finding.endpoint} answers more slowly than before; we are "
                              "looking into it. Keep your client's timeout at 30 seconds or more meanwhile.",
        )
    status_code, error_code = finding.top_error or (500, "")
    example = _example(failures, finding.endpoint, status_code=status_code, error_code=error_code) or _example(
        failures, finding.endpoint)
    evidence += [Evidence("Error rate before", f"{percent(finding.before)} of {finding.requests_before:,} requests"),
                 Evidence(f"Error rate since {day(finding.since)}",
                          f"{percent(finding.after)}: {finding.failed_after:,} of {finding.requests_after:,} requests"),
                 Evidence("Most common failure", _error_text(status_code, error_code))]
    if example:
        evidence.append(Evidence("Example request",
                                 f"{example.request_id} at {moment(example.occurred_at, datetime.UTC)}", example))
    ours = status_code >= 500
    summary = (f"The error rate of {finding.endpoint} rose from {percent(finding.before)} "
               f"to {percent(finding.after)} on {day(finding.since)}{after_change}; "
               f"most failures are {_error_text(status_code, error_code)}.")
    if ours:
        return Verdict(
            f"{prefix}.error_rate_rise", summary,
            "Escalate to the payments engineers with the example request id: these are server errors, ours to fix.",
            evidence, retry_can_help=True,
            tell_the_customer=f"Since {day(finding.since)} some requests to {finding.endpoint} fail on our side with "
                              f"{status_code}. Our engineers are on it; a failed request can be retried.",
        )
    return Verdict(
        f"{prefix}.error_rate_rise", summary,
        f"Tell the platform's developers their requests to {finding.endpoint} are refused since {day(finding.since)}"
        + (" and what changed then." if change else "; ask what they changed."),
        evidence, retry_can_help=False,
        tell_the_customer=f"Since {day(finding.since)} requests to {finding.endpoint} are refused with "
                          f"{_error_text(status_code, error_code)}"
                          + (f" after our change: {change.summary}." if change else "."),
    )


# One request ---------------------------------------------------------------------------------------

def api_request_verdict(*, request: ApiRequest, diagnosis: ApiDiagnosis | None) -> Verdict:
    """`diagnosis` covers the request's endpoint over the days up to the request's; it is only
    needed (and only read) for a failed request."""
    # The platform is on the request's page already: reading it here would cost a query per request.
    evidence = [Evidence("Request", f"{request.endpoint} → {request.status_code} in {request.latency_ms} ms at "
                                    f"{date_format(request.occurred_at, 'j M Y H:i:s')} UTC, "
                                    f"{request.get_environment_display().lower()}"),
                Evidence("Client", f"{request.client or 'unknown'} ({request.user_agent or 'no user agent'})")]
    if request.error_code or request.error_message:
        evidence.append(Evidence("Error", f"{request.error_code} {request.error_message}".strip()))
    if not request.failed:
        return Verdict("api_request.succeeded",
                       f"The request succeeded: {request.endpoint} answered {request.status_code} "
                       f"in {request.latency_ms} ms.",
                       "If the platform says it failed, ask for the request id they saw: it may be another request.",
                       evidence)
    request_day = request.occurred_at.astimezone(datetime.UTC).date()
    client = ApiClient(request.client_name, request.client_version)
    for finding in diagnosis.breaking_changes if diagnosis else []:
        if (finding.endpoint == request.endpoint and finding.client == client
                and finding.change.changed_at <= request.occurred_at):
            verdict = _breaking_change_verdict(finding, [], prefix="api_request")
            return _with_request_evidence(verdict, evidence)
    for finding in diagnosis.error_rises if diagnosis else []:
        if finding.endpoint == request.endpoint and finding.since <= request_day:
            return _with_request_evidence(_rise_verdict(finding, [], prefix="api_request"), evidence)
    for finding in diagnosis.persistent_failures if diagnosis else []:
        if finding.endpoint == request.endpoint and finding.client in (None, client):
            return _with_request_evidence(_persistent_failure_verdict(finding, [], prefix="api_request"), evidence)
    if request.status_code >= 500:
        return Verdict(
            "api_request.server_error",
            f"Our API failed this request with {request.status_code}; the endpoint's error rate shows no lasting rise, "
            "so it was a one-off.",
            "Ask the platform to retry it; if it fails again, escalate to the payments engineers with the request id.",
            evidence, retry_can_help=True,
            tell_the_customer=("That request failed on our side. Please retry it; "
                               "nothing was changed by the failed attempt."),
        )
    unknown_status = ("rejected", "the API refused the request", "fix the request")
    kind, meaning, fix = REJECTIONS.get(request.status_code, unknown_status)
    return Verdict(
        f"api_request.rejected.{kind}",
        f"The API refused the request with {_error_text(request.status_code, request.error_code)}: {meaning}."
        + (f" It said: {request.error_message}." if request.error_message else ""),
        f"Tell the platform's developers to {fix}; the request itself is at fault, not our API.",
        evidence, retry_can_help=request.status_code == 429,
        tell_the_customer=f"Your request to {request.endpoint} was refused with {request.status_code}"
                          + (f" ({request.error_message})" if request.error_message else "") + f": please {fix}.",
    )


def _with_request_evidence(verdict: Verdict, request_evidence: list[Evidence]) -> Verdict:
    return Verdict(verdict.code, verdict.summary, verdict.next_step, [*request_evidence, *verdict.evidence],
                   verdict.retry_can_help, verdict.task, verdict.tell_the_customer)


def request_window(request: ApiRequest) -> ApiWindow:
    """The days a request is judged against: the thirty up to and including its own."""
    return ApiWindow.ending(request.occurred_at.astimezone(datetime.UTC).date())


# The platform's callbacks ---------------------------------------------------------------------------

def platform_callbacks_verdict(*, platform: Platform, window: ApiWindow, deliveries: list[CallbackDelivery]) -> Verdict:
    """From the delivery attempts of the platform's newest callbacks, newest attempt first
    (apilog.selectors.platform_callback_deliveries)."""
    evidence = [Evidence("Callback URL", platform.callback_url or "none", platform)]
    if not platform.callbacks_enabled or not platform.callback_url:
        return Verdict("platform.callbacks.disabled",
                       f"{platform.name} has callbacks turned off or no callback URL, so we send it none.",
                       "The platform sets a callback URL in its settings.", evidence)
    callbacks = _newest_first(deliveries)
    if not callbacks:
        return Verdict("platform.callbacks.none", f"No callback was sent to {platform.name} since {day(window.since)}.",
                       "Nothing to do: callbacks are sent when the platform's items change state.", evidence)
    failing = []
    for callback, attempts in callbacks:
        if attempts[0].succeeded:
            break
        failing.append((callback, attempts))
    delivered = [attempts[0] for _, attempts in callbacks if attempts[0].succeeded]
    if delivered:
        evidence.append(Evidence("Last delivered", f"{moment(delivered[0].attempted_at)} "
                                 f"({delivered[0].response_status})", delivered[0]))
    if len(failing) < min(FAILING_CALLBACKS_IN_A_ROW, len(callbacks)) or not failing:
        first_try = sum(1 for _, attempts in callbacks if attempts[-1].succeeded)
        return Verdict("platform.callbacks.delivered",
                       f"{possessive(platform.name)} endpoint takes its callbacks: {len(delivered)} "
                       f"of the last {len(callbacks)} were delivered, {first_try} on the first attempt.",
                       "If the platform says it missed one, find the callback by its item and read its page.", evidence)
    return _failing_callbacks_verdict(platform, failing, evidence)


def _newest_first(deliveries: list[CallbackDelivery]) -> list[tuple[Callback, list[CallbackDelivery]]]:
    """Callbacks, newest first, each with its attempts, latest attempt first."""
    by_callback: dict[int, tuple[Callback, list[CallbackDelivery]]] = {}
    for delivery in deliveries:
        by_callback.setdefault(delivery.callback_id, (delivery.callback, []))[1].append(delivery)
    for _, attempts in by_callback.values():
        attempts.sort(key=lambda attempt: -attempt.attempt)
    return sorted(by_callback.values(), key=lambda pair: (pair[0].created_at, pair[0].pk), reverse=True)


def _failing_callbacks_verdict(platform, failing, evidence) -> Verdict:
    latest_callback, latest_attempts = failing[0]
    last = latest_attempts[0]
    oldest_attempt = min((attempt for _, attempts in failing for attempt in attempts), key=lambda a: a.attempted_at)
    attempts = sorted((attempt for _, attempts in failing for attempt in attempts), key=lambda a: a.attempted_at,
                      reverse=True)
    evidence = [*evidence,
                Evidence("Not delivered", f"the last {len(failing)} callbacks"),
                Evidence("Failing since", moment(oldest_attempt.attempted_at), oldest_attempt)]
    evidence += [Evidence(f"Attempt {attempt.attempt} of {attempt.callback}",
                          f"{attempt.response_status or 'no response'} at {moment(attempt.attempted_at)}"
                          + (f" ({attempt.error})" if attempt.error else ""), attempt)
                 for attempt in attempts[:LATEST_ATTEMPTS_SHOWN]]
    evidence.append(Evidence("Latest callback", f"{latest_callback} ({latest_callback.get_status_display().lower()})",
                             latest_callback))
    resend = SuggestedTask("resend-callback", latest_callback.pk)
    answer = endpoint_answer(status=last.response_status, error=last.error)
    said = answer_text(status=last.response_status, error=last.error)
    latest_answers = ", ".join(answer_text(status=attempt.response_status, error=attempt.error)
                               for attempt in attempts[:LATEST_ATTEMPTS_SHOWN])
    return Verdict(f"platform.callbacks.{answer.code}",
                   f"{possessive(platform.name)} callback endpoint {answer.what.format(answer=said)}: "
                   f"its last {len(failing)} callbacks were not delivered (latest attempts: {latest_answers}).",
                   answer.next_step, evidence, retry_can_help=answer.retry_can_help, task=resend,
                   tell_the_customer=answer.tell_the_customer.format(url=platform.callback_url, answer=said))
