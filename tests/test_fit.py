"""FIT activity files: encoded by backbeat.fit and read back with Garmin's SDK, message by
message."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from backbeat.fit import FitActivity, FitError, FitLap, FitSet, decode, encode_activity
from garmin_fit_sdk import FIT_EPOCH_S, Decoder, Stream

T0 = datetime(2026, 12, 4, 8, 0, 0, tzinfo=timezone.utc)


def _at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def _activity() -> FitActivity:
    return FitActivity("Bird dog and more", T0, 95_500, [
        FitLap("prepare", 0, 5000, [FitSet(0, 5000, False)]),
        FitLap("bird dog", 5000, 95_500, [FitSet(5000, 30_000, True), FitSet(35_000, 10_000, False),
                                          FitSet(48_000, 28_000, True, 12)])], 0x1234, 7, 3600)


def test_round_trip__every_message_as_the_sdk_reads_it():
    m = decode(encode_activity(_activity()))
    assert sorted(m) == ["activity_mesgs", "event_mesgs", "exercise_title_mesgs", "file_id_mesgs",
                         "lap_mesgs", "record_mesgs", "session_mesgs", "set_mesgs", "sport_mesgs"]
    assert m["sport_mesgs"] == [{"sport": "training", "sub_sport": "strength_training",
                                 "name": "Bird dog and more"}]
    assert m["record_mesgs"] == [{"timestamp": _at(s)} for s in (0, 5, 35, 48, 95)]
    assert m["file_id_mesgs"] == [{
        "type": "activity", "manufacturer": "development", "product": 0,
        "serial_number": 0x1234, "time_created": T0, "number": 7, "product_name": "backbeat"}]
    assert m["event_mesgs"] == [
        {"timestamp": T0, "event": "timer", "event_type": "start"},
        {"timestamp": _at(95), "event": "timer", "event_type": "stop_all"}]
    assert m["exercise_title_mesgs"] == [
        {"message_index": 0, "exercise_category": "unknown", "wkt_step_name": "prepare"},
        {"message_index": 1, "exercise_category": "unknown", "wkt_step_name": "bird dog"}]
    assert [s.get("repetitions") for s in m["set_mesgs"]] == [None, None, None, 12]
    assert [(s["message_index"], s["start_time"], s["timestamp"], s["duration"], s["set_type"],
             s["category"], s["wkt_step_index"]) for s in m["set_mesgs"]] == [
        (0, T0, _at(5), 5.0, "rest", "unknown", 0),
        (1, _at(5), _at(35), 30.0, "active", "unknown", 1),
        (2, _at(35), _at(45), 10.0, "rest", "unknown", 1),
        (3, _at(48), _at(76), 28.0, "active", "unknown", 1)]
    assert m["lap_mesgs"] == [
        {"message_index": 0, "timestamp": _at(5), "start_time": T0, "event": "lap",
         "event_type": "stop", "lap_trigger": "manual", "total_elapsed_time": 5.0,
         "total_timer_time": 5.0, "sport": "training", "sub_sport": "strength_training"},
        {"message_index": 1, "timestamp": _at(95), "start_time": _at(5), "event": "lap",
         "event_type": "stop", "lap_trigger": "manual", "total_elapsed_time": 90.5,
         "total_timer_time": 68.0, "sport": "training", "sub_sport": "strength_training"}]
    assert m["session_mesgs"] == [{
        "message_index": 0, "timestamp": _at(95), "start_time": T0, "event": "session",
        "event_type": "stop", "sport": "training", "sub_sport": "strength_training",
        "total_elapsed_time": 95.5, "total_timer_time": 73.0, "first_lap_index": 0,
        "num_laps": 2, "trigger": "activity_end"}]
    assert m["activity_mesgs"] == [{
        "timestamp": _at(95), "total_timer_time": 73.0, "num_sessions": 1, "type": "manual",
        "event": "activity", "event_type": "stop", "local_timestamp": int(_at(95 + 3600).timestamp()) - FIT_EPOCH_S}]


def test_messages_in_time_order():
    order = []
    Decoder(Stream.from_byte_array(bytearray(encode_activity(_activity())))).read(
        mesg_listener=lambda num, mesg: order.append(mesg.get("timestamp")))
    stamped = [t for t in order if t is not None]
    assert stamped == sorted(stamped) and len(stamped) == 15


def test_file_header_says_fit_with_its_crc():
    data = encode_activity(_activity())
    assert (data[0], data[1], data[8:12]) == (14, 0x20, b".FIT")
    assert int.from_bytes(data[4:8], "little") == len(data) - 14 - 2


def test_damaged_file__clear_error():
    data = bytearray(encode_activity(_activity()))
    data[40] ^= 0xFF
    with pytest.raises(FitError) as e:
        decode(bytes(data))
    assert str(e.value) == "not a FIT file, or its CRC does not match"
    with pytest.raises(FitError):
        decode(b"not a fit file at all")
