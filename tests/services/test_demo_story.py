"""On the demo database the audit and the follow-up worklist tell the story of the signed-off
meetings: every de-escalation the MDT decided is an episode, and those in their first year
without failure are on the worklist."""

from __future__ import annotations

from mdt_desktop.domain.enums import MeetingStatus
from mdt_desktop.services.followup import FollowUpService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.outcomes import OutcomeService
from tests.conftest import AS_OF

DAYS_TO_START = 120  # the reduced regimen starts at the next dose after the meeting


def decided(demo_db, config):
    """(meeting date, hospital number, outcome) of every decision of a signed-off meeting."""
    meetings = MeetingService(demo_db, config)
    for item in meetings.list_meetings():
        if item.status is MeetingStatus.SIGNED_OFF:
            for detail in meetings.board(item.id).cases:
                if detail.case.decision is not None:
                    yield (
                        item.meeting_date,
                        detail.case.patient.hospital_number,
                        (detail.case.decision.outcome.value),
                    )


def test_every_de_escalation_decided_is_an_episode_and_no_other_decision_is(demo_db, config):
    audit = OutcomeService(demo_db, config).audit(AS_OF)
    starts: dict[str, list] = {}
    for episode in audit.episodes:
        starts.setdefault(episode.hospital_number, []).append(episode.start)
    de_escalations = 0
    for day, number, outcome in decided(demo_db, config):
        follows = [s for s in starts.get(number, []) if 0 <= (s - day).days <= DAYS_TO_START]
        if outcome.startswith("de_escalate"):
            de_escalations += 1
            assert follows, f"{number}: de-escalation decided on {day} but no episode"
        else:
            assert not follows, f"{number}: {outcome} on {day}, yet an episode follows"
    assert de_escalations > 0


def test_the_worklist_holds_the_first_year_episodes_that_have_not_failed(demo_db, config):
    audit = OutcomeService(demo_db, config).audit(AS_OF)
    window = audit.rules.failure_months
    expected = {e.hospital_number for e in audit.episodes if not e.failed and e.months < window}
    rows = FollowUpService(demo_db, config).worklist(AS_OF)
    assert {row.hospital_number for row in rows} == expected
