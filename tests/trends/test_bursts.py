"""Registration bursts and too-fast forms, with the false-positive traps."""

from __future__ import annotations

from datetime import timedelta

from puerta.findings.value import REGISTRATION_BURST
from puerta.trends.bursts import find_bursts, ip_range, surprise
from tests.trends.frames import T0, frame, minutes, row


def _seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


def test_bot_burst_on_one_device() -> None:
    rows = [
        row(
            f"B{i}",
            device_id="bot-device",
            ip=f"45.77.10.{16 + i}",
            form_seconds=6.0,
            created_at=T0 + _seconds(3 * i),
            account_id=f"acct{i}",
        )
        for i in range(12)
    ]
    rows += [row(f"N{i}", created_at=T0 + minutes(30 * i)) for i in range(20)]
    findings = find_bursts(frame(rows))
    assert len(findings) == 1
    f = findings[0]
    assert f.kind == REGISTRATION_BURST
    assert f.registration_ids == tuple(sorted(f"B{i}" for i in range(12)))
    assert f.evidence["fast_forms"] == 12
    first, fast, also = f.explanation
    assert first.code == "explain.registration_burst.device"
    assert first.params == {
        "registrations": 12,
        "value": "bot-device",
        "start": T0.isoformat(),
        "end": (T0 + _seconds(33)).isoformat(),
        "mean_gap": 3.0,
    }
    assert fast.code == "explain.registration_burst.fast_forms"
    assert fast.params == {"fast": 12, "registrations": 12, "human_seconds": 30}
    assert also.code == "explain.registration_burst.also_linked"
    assert also.params == {"signals": ["ip_range"]}
    assert "device:bot-device" in f.normalised_keys


def test_small_ip_range_with_new_device_each_time() -> None:
    rows = [
        row(
            f"B{i}",
            device_id=f"d{i}",
            ip=f"104.248.7.{i + 1}",
            form_seconds=9.0,
            created_at=T0 + _seconds(5 * i),
        )
        for i in range(8)
    ]
    findings = find_bursts(frame(rows))
    assert [len(f.registration_ids) for f in findings] == [8]
    assert "ip_range:104.248.7.0/24" in findings[0].normalised_keys


def test_office_ip_with_many_people_over_hours_is_not_a_burst() -> None:
    # A legal-aid office: 60 people over eight hours on one /24, at human speed.
    rows = [
        row(
            f"O{i}",
            device_id=f"office-pc-{i % 5}",
            ip=f"201.141.20.{i % 200 + 1}",
            form_seconds=240.0 + i,
            created_at=T0 + minutes(8 * i),
        )
        for i in range(60)
    ]
    assert find_bursts(frame(rows)) == []


def test_two_people_at_the_same_moment_is_not_a_burst() -> None:
    rows = [
        row("X1", ip="189.203.1.5", created_at=T0),
        row("X2", ip="189.203.1.9", created_at=T0 + _seconds(4)),
        row("X3", ip="189.203.1.7", created_at=T0 + _seconds(9)),
    ]
    assert find_bursts(frame(rows)) == []


def test_sequential_email_pattern() -> None:
    rows = [
        row(
            f"E{i}",
            email=f"juan.perez+{i}@gmail.com",
            device_id=f"d{i}",
            ip=f"10.{i}.0.1",
            created_at=T0 + _seconds(4 * i),
            form_seconds=200.0,
        )
        for i in range(10)
    ]
    findings = find_bursts(frame(rows))
    assert len(findings) == 1
    assert "email_pattern:juanperez@gmail.com" in findings[0].normalised_keys


def test_common_name_emails_days_apart_are_not_a_burst() -> None:
    rows = [
        row(
            f"M{i}",
            email=f"maria.garcia{1000 + 37 * i}@gmail.com",
            device_id=f"d{i}",
            ip=f"177.224.{i}.3",
            created_at=T0 + timedelta(days=i, minutes=7 * i),
        )
        for i in range(15)
    ]
    assert find_bursts(frame(rows)) == []


def test_fast_forms_of_one_account_spread_over_days() -> None:
    rows = [
        row(
            f"F{i}",
            account_id="acct-x",
            form_seconds=5.0,
            device_id=f"d{i}",
            ip=f"148.227.{i}.1",
            created_at=T0 + timedelta(days=i),
        )
        for i in range(4)
    ]
    findings = find_bursts(frame(rows))
    assert len(findings) == 1
    assert findings[0].evidence["signals"][0]["signal"] == "fast_forms"
    # Four days apart: the message that names both days, then the too-fast forms.
    assert findings[0].explanation_codes == (
        "explain.registration_burst.account_days",
        "explain.registration_burst.fast_forms",
    )
    assert findings[0].explanation[0].params["value"] == "acct-x"
    assert findings[0].explanation[1].params == {
        "fast": 4,
        "registrations": 4,
        "human_seconds": 30,
    }


def test_travelers_of_a_burst_are_listed() -> None:
    rows = [
        row(f"B{i}", pos, device_id="bot", form_seconds=4.0, created_at=T0 + _seconds(2 * i))
        for i in range(5)
        for pos in range(2)
    ]
    (f,) = find_bursts(frame(rows))
    assert len(f.travelers) == 10
    assert ("B0", 1) in f.travelers


def test_stable_key() -> None:
    rows = [
        row(f"B{i}", device_id="bot", form_seconds=4.0, created_at=T0 + _seconds(2 * i))
        for i in range(5)
    ]
    assert find_bursts(frame(rows))[0].key == find_bursts(frame(rows[::-1]))[0].key


def test_ip_range() -> None:
    assert ip_range("45.77.10.17") == "45.77.10.0/24"
    assert ip_range("2001:db8:1:2:3::9") == "2001:db8:1:2::/64"
    assert ip_range("not an ip") is None
    assert ip_range(None) is None


def test_surprise_grows_with_rarity() -> None:
    busy = surprise(5, 2000, 20, 86_400 * 30, 30)
    quiet = surprise(5, 5, 20, 20, 30)
    assert quiet > busy
