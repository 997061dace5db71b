"""RequestPacer on a simulated clock: the quota holds in every window, and no wait is wasted."""

import pytest

from dlt_sources.common.http import RequestPacer


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


def test_no_window_ever_holds_more_than_the_quota() -> None:
    clock = FakeClock()
    pacer = RequestPacer(20, 60.0, margin_seconds=0.5, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(65):
        pacer.wait()
        sent.append(clock.now)
        clock.now += 0.1  # the request itself
    for index, start in enumerate(sent):
        assert len([t for t in sent[index:] if t < start + 60.0]) <= 20


def test_a_full_scan_takes_its_rate_limit_floor_and_no_more() -> None:
    clock = FakeClock()
    pacer = RequestPacer(20, 60.0, margin_seconds=0.5, clock=clock, sleep=clock.sleep)
    for _ in range(60):
        pacer.wait()
    # 60 requests at 20 a minute: the first 20 at once, then two more windows (plus margins)
    assert clock.now - 100.0 == pytest.approx(2 * 60.5)


def test_requests_under_the_quota_never_wait() -> None:
    clock = FakeClock()
    pacer = RequestPacer(5, 1.0, clock=clock, sleep=clock.sleep)
    assert [pacer.wait() for _ in range(5)] == [0.0] * 5
    assert pacer.waited_seconds == 0.0


def test_an_impossible_quota_is_refused() -> None:
    with pytest.raises(ValueError):
        RequestPacer(0, 60.0)
