"""Place and release a payout hold on a seller; the reason is what the seller's page shows."""

from accounts.models import Customer
from opsconsole.models import TaskRun
from opsconsole.tasking.services import Origin, task_run_request
from tests.factories import make_customer, make_payout_hold


def run_task(slug, user, customer, **params):
    return task_run_request(slug=slug, target_id=customer.pk, raw_params=params, reason="Risk review",
                            origin=Origin(user=user, source="web"))


def test_ops_places_a_hold_and_the_seller_page_shows_why(staff, client_as):
    seller = make_customer(kind=Customer.Kind.SELLER)
    run = run_task("place-payout-hold", staff["ops"], seller, hold_reason="Chargebacks above 1%")
    assert run.status == TaskRun.Status.SUCCEEDED, run.outcome
    hold = seller.payout_holds.get()
    assert (hold.placed_by, hold.released_at) == (staff["ops"], None)
    page = client_as("ops").get(f"/accounts/customer/{seller.pk}/change/")
    assert "Chargebacks above 1%" in page.content.decode()


def test_a_buyer_cannot_be_held_and_a_held_seller_not_twice(staff):
    buyer = make_customer(kind=Customer.Kind.BUYER)
    refused = run_task("place-payout-hold", staff["ops"], buyer, hold_reason="x")
    assert "payout holds apply to sellers" in refused.outcome
    held = make_payout_hold().customer
    run = run_task("place-payout-hold", staff["ops"], held, hold_reason="again")
    assert run.status == TaskRun.Status.REJECTED and "already on hold" in run.outcome
    assert held.payout_holds.count() == 1


def test_release_lifts_the_active_hold(staff):
    hold = make_payout_hold()
    run = run_task("release-payout-hold", staff["ops"], hold.customer, release_reason="Disputes explained")
    hold.refresh_from_db()
    assert run.status == TaskRun.Status.SUCCEEDED
    assert (hold.released_by, hold.release_reason) == (staff["ops"], "Disputes explained")
    again = run_task("release-payout-hold", staff["ops"], hold.customer, release_reason="again")
    assert again.status == TaskRun.Status.REJECTED and again.outcome.startswith("target: ")
