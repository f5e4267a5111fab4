"""CS plays with a random holdout (simulation/plays.py, raw cs_platform play_assignments, truth
play_assignments and play_effects), on the small data (seed 7)."""

from __future__ import annotations

import numpy as np
import pytest

from csops.generator import config as C

pytestmark = pytest.mark.unit

# the assignments, their play call (the treated account's CSM call whose notes name the play, 1-7 days
# after the assignment) and the truth's row; the last version of each assignment
ASSIGNMENTS = """
    with a as (select * replace (cast(assigned_at as timestamptz) as assigned_at)
               from latest_cs_platform_play_assignments),
    calls as (select distinct id, account_id, cast(occurred_at as timestamptz) as occurred_at, notes
              from cs_platform_activities where notes like '% play: %')
    select a.id, a.play_name, a.assignment_group,
        (select count(*) from calls c where c.account_id = a.account_id
           and c.notes like upper(a.play_name[1]) || a.play_name[2:] || ' play: %'
           and c.occurred_at > a.assigned_at and c.occurred_at < a.assigned_at + interval 9 day) as play_calls,
        a.assigned_at < timestamptz '2026-11-01' - interval 12 day as call_due,
        t.assignment_id is not null as in_truth, t.assignment_group as truth_group
    from a left join truth_play_assignments t on t.assignment_id = a.id
"""


def test_holdout_share_and_no_contact(small_db):
    """A random C.PLAY_HOLDOUT_SHARE of assignments are held out, in every play; treated accounts get one
    call for the play, held-out ones none."""
    rows = small_db.rows(ASSIGNMENTS)
    play = np.array([r[1] for r in rows])
    holdout = np.array([r[2] == "holdout" for r in rows])
    calls = np.array([r[3] for r in rows])
    due = np.array([r[4] for r in rows])
    assert len(rows) > 500 and set(play) == set(C.PLAYS)
    # binomial sd at n = 500 is 0.018: 3.5 sd
    assert abs(holdout.mean() - C.PLAY_HOLDOUT_SHARE) < 0.06, holdout.mean()
    for each in C.PLAYS:
        sel = play == each
        assert sel.sum() > 80 and abs(holdout[sel].mean() - C.PLAY_HOLDOUT_SHARE) < 0.12, each
    assert calls[holdout].sum() == 0
    assert (calls[~holdout & due] == 1).all()
    assert small_db.one("select count(distinct id) from cs_platform_activities where notes like '% play: %'") \
        <= (~holdout).sum()


def test_truth_covers_every_assignment(small_db):
    """Every assignment in the raw table is in the truth, in the same group; the truth has nothing else
    (but assignments not loaded by the as-of)."""
    rows = small_db.rows(ASSIGNMENTS)
    assert all(r[5] for r in rows)
    assert all(r[2] == r[6] for r in rows)
    extra = small_db.one("""
        select count(*) from truth_play_assignments t
        where t.assignment_id not in (select id from cs_platform_play_assignments)
          and t.assigned_date < date '2026-10-30'
    """)
    assert extra == 0


def test_play_effects_have_a_direction(small_db):
    """The save play lowers churn and lifts health in every segment, the adoption play outside smb;
    the renewal play does nothing (a grader can tell a play that works); the truth's per-play table is
    the mean of its assignments."""
    eff = {(r[0], r[1]): r[2:] for r in small_db.rows(
        "select play_name, segment, health_uplift_logit, assignments, health_effect_next_month, "
        "churn_effect_90d, churn_effect_180d from truth_play_effects")}
    for seg in C.SEGMENTS:
        uplift, n, health, c90, c180 = eff[("save", seg)]
        assert uplift > 0 and health > 0.03 and c90 < -0.005 and c180 <= c90, seg
        assert eff[("renewal", seg)][2:] == (0.0, 0.0, 0.0), seg
    assert eff[("adoption", "smb")][2:] == (0.0, 0.0, 0.0)
    assert eff[("adoption", "enterprise")][3] < -0.005
    mean90 = small_db.rows("select play_name, segment, avg(churn_effect_90d) from truth_play_assignments "
                           "group by all")
    for play, seg, m in mean90:
        assert abs(eff[(play, seg)][3] - m) < 1e-12


def test_the_effect_is_in_the_data(small_db):
    """The play's effect is in the world the systems record: next month's latent health (truth
    health_monthly) of treated save-play customers is well above that of the held-out ones (randomised,
    so the difference is the effect; measured 0.11 on small seed 7), and the renewal play's is not."""
    rows = dict(((r[0], r[1]), r[2]) for r in small_db.rows("""
        select a.play_name, a.assignment_group, avg(h.latent_health - a.latent_health)
        from truth_play_assignments a
        join truth_health_monthly h on h.customer_key = a.customer_key
            and h.month_start = date_trunc('month', a.assigned_date) + interval 1 month
        group by all
    """))
    assert rows[("save", "treated")] - rows[("save", "holdout")] > 0.06
    assert abs(rows[("renewal", "treated")] - rows[("renewal", "holdout")]) < 0.06
