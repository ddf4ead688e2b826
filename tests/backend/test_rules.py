"""Pure rules of the backend, tested with plain data: settlement, weights, trust and audits, signing."""

from __future__ import annotations

import random
from contextlib import nullcontext as does_not_raise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend import audit_policy, weight_learning
from backend.ledger import UnbalancedTransaction, record
from backend.payments.settlement import CapturePlan, plan_capture
from backend.signing import SignatureError, generate_keys, sign_document, verify_document


@pytest.mark.parametrize(
    ("authorized", "total", "plan", "expectation"),
    [
        (1000, 1000, CapturePlan("capture", 1000), does_not_raise()),
        (1000, 999, CapturePlan("capture", 999), does_not_raise()),
        (1000, 1001, CapturePlan("reauthorize", 1001), does_not_raise()),
        (1000, 0, CapturePlan("void", 0), does_not_raise()),
        (1000, -1, None, pytest.raises(ValueError)),
    ],
)
def test_plan_capture(authorized: int, total: int, plan: CapturePlan | None, expectation) -> None:
    with expectation:
        assert plan_capture(authorized, total) == plan


def test_an_unbalanced_ledger_transaction_is_refused() -> None:
    with pytest.raises(UnbalancedTransaction):
        record(None, "t1", "p1", "EUR", {"a": 100, "b": -99})  # type: ignore[arg-type]


@given(st.lists(st.floats(min_value=1, max_value=5000), min_size=2, max_size=50))
def test_weighted_running_stats_match_the_batch_figures(values: list[float]) -> None:
    stats = weight_learning.Stats()
    for v in values:
        stats = weight_learning.update(stats, v)
    mean = sum(values) / len(values)
    assert stats.mean_g == pytest.approx(mean, rel=1e-9, abs=1e-6)
    variance = sum((v - mean) ** 2 for v in values) / len(values)
    assert stats.sd_g**2 == pytest.approx(variance, rel=1e-6, abs=1e-6)


def test_staff_confirmed_weighings_count_more() -> None:
    plain = weight_learning.update(weight_learning.update(weight_learning.Stats(), 100.0), 110.0)
    staff = weight_learning.update(weight_learning.update(weight_learning.Stats(), 100.0), 110.0, 3.0)
    assert staff.mean_g > plain.mean_g


@pytest.mark.parametrize(
    ("observed", "mean", "sd", "outlier"),
    [
        (1580, 1580, 12, False),
        (1620, 1580, 12, False),
        (1750, 1580, 12, True),
        (30, 28, 1.5, False),
        (60, 28, 1.5, True),
    ],
)
def test_outliers(observed: float, mean: float, sd: float, outlier: bool) -> None:
    assert weight_learning.is_outlier(observed, mean, sd) is outlier


def test_learned_weights_take_over_after_enough_weighings() -> None:
    few = weight_learning.Stats(n=2, mean_g=1590, m2=0)
    many = weight_learning.Stats(n=20, mean_g=1590, m2=20 * 25.0)
    assert weight_learning.effective(1580, 12, few) == (1580, 12)
    assert weight_learning.effective(1580, 12, many) == (1590, 5.0)
    assert weight_learning.identifiable_item_weight([("g", 2, True)], 3160) == ("g", 1580)
    assert weight_learning.identifiable_item_weight([("g", 2, True), ("h", 1, True)], 3160) is None
    assert weight_learning.identifiable_item_weight([("g", 1, False)], 500) is None


def test_audits_fall_with_trust_and_rise_with_value() -> None:
    policy = audit_policy.AuditPolicy()
    new, trusted = audit_policy.NEW_SHOPPER_TRUST, 0.95
    assert audit_policy.audit_probability(policy, trusted, 2000) < audit_policy.audit_probability(policy, new, 2000)
    assert audit_policy.audit_probability(policy, new, 50_000) > audit_policy.audit_probability(policy, new, 2000)
    assert audit_policy.audit_probability(policy, 1.0, 0) == policy.min_rate
    rng = random.Random(7)
    rate = sum(audit_policy.should_audit(policy, new, 2000, rng) for _ in range(20_000)) / 20_000
    assert rate == pytest.approx(audit_policy.audit_probability(policy, new, 2000), abs=0.01)


def test_trust_moves_and_stays_in_range() -> None:
    assert audit_policy.trust_after(0.5, "passed") == pytest.approx(0.52)
    assert audit_policy.trust_after(0.1, "confirmed") == 0.0
    assert audit_policy.trust_after(0.99, "passed") == 1.0
    assert audit_policy.AuditPolicy.from_dict({"base_rate": 0.1, "unknown": 1}).base_rate == 0.1


def test_document_signatures() -> None:
    keys, other = generate_keys(), generate_keys()
    doc = {"b": 1, "a": [1, 2], "kind": "PASS"}
    signature = sign_document(keys.private_key, doc)
    verify_document(keys.public_key, {"kind": "PASS", "a": [1, 2], "b": 1}, signature)  # key order is irrelevant
    with pytest.raises(SignatureError):
        verify_document(keys.public_key, {**doc, "kind": "FLAG"}, signature)
    with pytest.raises(SignatureError):
        verify_document(other.public_key, doc, signature)
    with pytest.raises(SignatureError):
        verify_document(keys.public_key, doc, "not base64!")
