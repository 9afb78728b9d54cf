"""FIT activity files (Garmin's format) for one session: the only user of garmin-fit-sdk.

A session becomes a strength-training activity (sport training, sub-sport
strength_training) named after its routine: a lap per exercise, a set per segment in
it (active for the work, rest for the rests), the exercise's name in an exercise_title
message, so Garmin Connect and Strava show it as a strength workout. docs/export.md lists the
messages and fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

_MESG = Profile["mesg_num"]
# Our own product under the manufacturer "development" (255), as the FIT profile allows.
PRODUCT_NAME = "backbeat"


class FitError(ValueError):
    """A FIT file that the SDK cannot read back; str() says why."""


@dataclass(frozen=True)
class FitSet:
    start_ms: int  # after the session start
    duration_ms: int  # time spent in it, pauses excluded
    active: bool  # work (a hold, reps) or rest
    repetitions: int | None = None  # the reps counted, for a set of counted reps


@dataclass(frozen=True)
class FitLap:
    name: str
    start_ms: int  # after the session start, pauses included
    end_ms: int
    sets: list[FitSet] = field(default_factory=list)

    @property
    def timer_ms(self) -> int:
        return sum(s.duration_ms for s in self.sets)


@dataclass(frozen=True)
class FitActivity:
    name: str  # the routine's
    start: datetime  # aware (UTC)
    elapsed_ms: int  # from the start to the end, pauses included
    laps: list[FitLap]
    serial_number: int  # identifies the device (nonzero)
    number: int  # tells apart the files of one device that start in the same second
    utc_offset_s: int  # local time minus UTC at the end, for the activity's local time

    @property
    def timer_ms(self) -> int:
        return sum(lap.timer_ms for lap in self.laps)


def _at(a: FitActivity, ms: int) -> datetime:
    return a.start + timedelta(milliseconds=ms)


def encode_activity(a: FitActivity) -> bytes:
    """The FIT file of one activity, its messages in time order: file_id, sport, timer
    start; per lap its exercise_title, per set a record at its start and the set, then the
    lap; a record and the timer stop at the end; session; activity."""
    end = _at(a, a.elapsed_ms)
    enc = Encoder()
    enc.write_mesg({"mesg_num": _MESG["FILE_ID"], "type": "activity",
                    "manufacturer": "development", "product": 0,
                    "serial_number": a.serial_number, "time_created": a.start,
                    "number": a.number, "product_name": PRODUCT_NAME})
    enc.write_mesg({"mesg_num": _MESG["SPORT"], "sport": "training",
                    "sub_sport": "strength_training", "name": a.name})
    enc.write_mesg({"mesg_num": _MESG["EVENT"], "timestamp": a.start, "event": "timer",
                    "event_type": "start"})
    set_index = 0
    for i, lap in enumerate(a.laps):
        enc.write_mesg({"mesg_num": _MESG["EXERCISE_TITLE"], "message_index": i,
                        "exercise_category": "unknown", "wkt_step_name": lap.name})
        for s in lap.sets:
            enc.write_mesg({"mesg_num": _MESG["RECORD"], "timestamp": _at(a, s.start_ms)})
            mesg = {"mesg_num": _MESG["SET"], "message_index": set_index,
                    "timestamp": _at(a, s.start_ms + s.duration_ms),
                    "start_time": _at(a, s.start_ms), "duration": s.duration_ms / 1000,
                    "set_type": "active" if s.active else "rest",
                    "category": ["unknown"], "wkt_step_index": i}
            if s.repetitions is not None:
                mesg["repetitions"] = s.repetitions
            enc.write_mesg(mesg)
            set_index += 1
        enc.write_mesg({"mesg_num": _MESG["LAP"], "message_index": i,
                        "timestamp": _at(a, lap.end_ms), "start_time": _at(a, lap.start_ms),
                        "event": "lap", "event_type": "stop", "lap_trigger": "manual",
                        "total_elapsed_time": (lap.end_ms - lap.start_ms) / 1000,
                        "total_timer_time": lap.timer_ms / 1000,
                        "sport": "training", "sub_sport": "strength_training"})
    enc.write_mesg({"mesg_num": _MESG["RECORD"], "timestamp": end})
    enc.write_mesg({"mesg_num": _MESG["EVENT"], "timestamp": end, "event": "timer",
                    "event_type": "stop_all"})
    enc.write_mesg({"mesg_num": _MESG["SESSION"], "message_index": 0, "timestamp": end,
                    "start_time": a.start, "event": "session", "event_type": "stop",
                    "sport": "training", "sub_sport": "strength_training",
                    "total_elapsed_time": a.elapsed_ms / 1000,
                    "total_timer_time": a.timer_ms / 1000, "first_lap_index": 0,
                    "num_laps": len(a.laps), "trigger": "activity_end"})
    enc.write_mesg({"mesg_num": _MESG["ACTIVITY"], "timestamp": end,
                    "total_timer_time": a.timer_ms / 1000, "num_sessions": 1, "type": "manual",
                    "event": "activity", "event_type": "stop",
                    "local_timestamp": end + timedelta(seconds=a.utc_offset_s)})
    return bytes(enc.close())


def decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """Every message of a FIT file as the SDK reads it (what Garmin Connect reads), by
    message name (`lap_mesgs`, ...); FitError when it is not a good FIT file."""
    if not Decoder(Stream.from_byte_array(bytearray(data))).check_integrity():
        raise FitError("not a FIT file, or its CRC does not match")
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    if errors:
        raise FitError(f"the FIT SDK cannot read it ({errors[0]})")
    return cast("dict[str, list[dict[str, Any]]]", messages)  # a dict, its stubs say less
