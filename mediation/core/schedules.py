"""When jobs fire. Every process computes the same fire times, so a firing has one identity
(job, fire time) that the runner claims once, whichever scheduler gets there first."""
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo

EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Every:
    seconds: int

    def floor(self, now: datetime, tz: tzinfo) -> datetime:
        """The latest firing at or before `now` (epoch-aligned, so identical in every process)."""
        elapsed = int((now - EPOCH).total_seconds())
        return EPOCH + timedelta(seconds=elapsed - elapsed % self.seconds)

    def trigger_args(self, tz: tzinfo) -> dict:
        return {"trigger": "interval", "seconds": self.seconds, "start_date": EPOCH}


@dataclass(frozen=True)
class Weekly:
    weekday: int  # Monday is 0
    at: time  # local time in the town's zone

    def floor(self, now: datetime, tz: tzinfo) -> datetime:
        local = now.astimezone(tz)
        days_back = (local.weekday() - self.weekday) % 7
        candidate = datetime.combine(local.date() - timedelta(days=days_back), self.at, tzinfo=tz)
        if candidate > local:
            candidate -= timedelta(days=7)
        return candidate.astimezone(timezone.utc)

    def trigger_args(self, tz: tzinfo) -> dict:
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        return {"trigger": "cron", "day_of_week": days[self.weekday], "hour": self.at.hour,
                "minute": self.at.minute, "timezone": tz}


@dataclass(frozen=True)
class Daily:
    at: time

    def floor(self, now: datetime, tz: tzinfo) -> datetime:
        local = now.astimezone(tz)
        candidate = datetime.combine(local.date(), self.at, tzinfo=tz)
        if candidate > local:
            candidate -= timedelta(days=1)
        return candidate.astimezone(timezone.utc)

    def trigger_args(self, tz: tzinfo) -> dict:
        return {"trigger": "cron", "hour": self.at.hour, "minute": self.at.minute, "timezone": tz}


def meeting_after(now: datetime, weekday: int, at: time, tz: tzinfo) -> datetime:
    """The next weekly joint meeting strictly after `now`."""
    local = now.astimezone(tz)
    days_ahead = (weekday - local.weekday()) % 7
    candidate = datetime.combine(local.date() + timedelta(days=days_ahead), at, tzinfo=tz)
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate.astimezone(timezone.utc)
