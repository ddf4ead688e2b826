import pytest

from backend.refunds import RefundPlan, RefundRefused, lines_amount, plan, refundable_minor


def test_authorised_hold_is_voided_whole():
    assert plan("authorized", 0, [], None) == RefundPlan("void", 0)
    with pytest.raises(RefundRefused) as exc:
        plan("authorized", 0, [], 100)
    assert exc.value.code == "void-is-whole"


def test_whole_refund_takes_what_is_left():
    assert plan("captured", 1000, [300], None) == RefundPlan("refund", 700)


def test_partial_refunds_sum_to_at_most_the_capture():
    refunded: list[int] = []
    for amount in (400, 400):
        refunded.append(plan("captured", 1000, refunded, amount).amount_minor)
    with pytest.raises(RefundRefused) as exc:
        plan("captured", 1000, refunded, 201)
    assert exc.value.code == "refund-exceeds-capture"
    refunded.append(plan("captured", 1000, refunded, 200).amount_minor)
    assert sum(refunded) == 1000
    assert refundable_minor(1000, refunded) == 0
    with pytest.raises(RefundRefused) as exc:
        plan("captured", 1000, refunded, None)
    assert exc.value.code == "refund-nothing-left"


@pytest.mark.parametrize("status", ["voided", "declined", "pending"])
def test_other_states_refused(status):
    with pytest.raises(RefundRefused) as exc:
        plan(status, 0, [], None)
    assert exc.value.code == "payment-not-refundable"


def test_non_positive_amount_refused():
    with pytest.raises(RefundRefused) as exc:
        plan("captured", 1000, [], 0)
    assert exc.value.code == "refund-invalid-amount"


def test_lines_amount():
    totals, prices = {"a": 398, "b": 129}, {"a": 199, "b": 129}
    assert lines_amount(totals, {"a": 1, "b": 1}, prices) == 328
    with pytest.raises(RefundRefused):
        lines_amount(totals, {"a": 3}, prices)
    with pytest.raises(RefundRefused):
        lines_amount(totals, {"z": 1}, prices)
    with pytest.raises(RefundRefused):
        lines_amount(totals, {"a": 0}, prices)
