"""Reads of the protection pages, scoped to the caller: another organisation's are 404."""

from __future__ import annotations

from django.http import Http404

from payvand.accounts.models import User
from payvand.orgs.models import Organisation
from payvand.protection.models import PanicRequest, PanicState, ProtectionPolicy
from payvand.protection.panic import may_panic


def organisation_for_panic(user: User, public_id) -> Organisation:
    org = Organisation.objects.filter(public_id=public_id).first()
    if org is None or not may_panic(user, org):
        raise Http404
    return org


def panic_request_for(user: User, public_id) -> PanicRequest:
    request = (
        PanicRequest.objects.select_related("organisation").filter(public_id=public_id).first()
    )
    if request is None or not may_panic(user, request.organisation):
        raise Http404
    return request


def panic_page(org: Organisation) -> dict:
    requests = PanicRequest.objects.filter(organisation=org).select_related(
        "requested_by", "confirmed_by", "cancelled_by"
    )
    policy = ProtectionPolicy.objects.filter(organisation=org).first()
    return {
        "pending": next((r for r in requests if r.state == PanicState.PENDING), None),
        "history": [r for r in requests[:20] if r.state != PanicState.PENDING],
        "delay": policy.panic_delay_minutes if policy else None,
    }
