"""Duplicate-suggestion quality: generate cases with known duplicates, print precision and recall.

    .venv/bin/python bench/duplicates.py [--cases 600] [--seed 7]

Builds a throwaway SQLite database, registers cases through the real intake service (a share
of them reported a second time through another channel, with the variations real reports
have), then asks `find_duplicates` about every case and compares with the truth.
"""
import argparse
import os
import random
import sys
import tempfile
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=600, help="distinct disputes")
    parser.add_argument("--duplicate-share", type=float, default=0.3)
    parser.add_argument("--distractor-share", type=float, default=0.08,
                        help="share of disputes whose applicant files another, different dispute within 30 days")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from mediation import create_app
    from mediation.organisation.models import Village
    from mediation.cases.duplicates import find_duplicates
    from mediation.core.demo_people import fake_mobile, fake_name
    from mediation.core.vocab import CATEGORIES, Channel
    from mediation.db import utcnow
    from mediation.demo import COMMUNITIES, VILLAGES
    from mediation.extensions import db
    from mediation.intake.services import CaseData, PartyData, register_case
    from mediation.organisation.town import current_town

    rng = random.Random(args.seed)
    path = os.path.join(tempfile.mkdtemp(), "bench.db")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
        villages = [Village(code=c, name=n) for c, n in VILLAGES + COMMUNITIES]
        db.session.add_all(villages)
        db.session.flush()
        town, now = current_town(), utcnow()
        channels = [c.value for c in Channel if c != Channel.WALK_IN]
        truth: set[frozenset[int]] = set()
        all_ids = []
        started = time.perf_counter()
        for n in range(args.cases):
            village = rng.choice(villages)
            house = rng.randint(1, 400)
            applicant, respondent = fake_name(rng), fake_name(rng)
            phone = fake_mobile(rng)
            received = now - timedelta(days=rng.uniform(26, 150))
            category = rng.choice(CATEGORIES)

            def report(channel, when, name, tel, address, category=category):
                data = CaseData(channel=channel, external_ref=f"{channel[:4]}{len(all_ids):07d}",
                                received_at=when, category=category, summary="纠纷", village_id=village.id,
                                address=address, parties=[PartyData(name, "applicant", tel),
                                                          PartyData(respondent, "respondent")])
                case = register_case(data, None, now=now, town=town)
                all_ids.append(case.id)
                return case

            first = report(rng.choice(channels), received, applicant, phone, f"徐行镇{village.name}{house}号")
            if rng.random() < args.duplicate_share:
                kind = rng.random()
                when = received + timedelta(hours=rng.uniform(1, 24 * 10))
                if kind < 0.6:    # same caller calls another channel
                    second = report(rng.choice(channels), when, applicant, phone, f"{village.name}{house}号")
                elif kind < 0.8:  # a relative calls, from another phone, under their own name
                    second = report(rng.choice(channels), when, fake_name(rng), fake_mobile(rng),
                                    f"上海市嘉定区徐行镇{village.name}{house}号")
                else:             # the grid worker reports it with the other party's name only
                    second = report(Channel.GRID_PATROL.value, when, respondent, "",
                                    f"徐行镇{village.name}{house}号附近")
                truth.add(frozenset((first.id, second.id)))
            elif rng.random() < args.distractor_share:
                # The same person with a different dispute (another neighbour) within the month:
                # not a duplicate, and hard to tell from one by phone alone.
                respondent = fake_name(rng)
                report(rng.choice(channels), received + timedelta(days=rng.uniform(1, 25)), applicant, phone,
                       f"徐行镇{village.name}{rng.randint(1, 400)}号",
                       category=category if rng.random() < 0.5 else rng.choice(CATEGORIES))
        db.session.commit()
        registered = time.perf_counter() - started

        from mediation.cases.models import Case
        predicted: set[frozenset[int]] = set()
        started = time.perf_counter()
        for case_id in all_ids:
            case = db.session.get(Case, case_id)
            for other, match in find_duplicates(case):
                pair = frozenset((case.id, other.id))
                if pair not in truth and os.environ.get("BENCH_DEBUG"):
                    print("false positive", case.id, other.id, match.score, match.reasons)
                predicted.add(pair)
            db.session.expunge_all()
        searched = time.perf_counter() - started

    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(truth) if truth else 1.0
    print(f"cases registered      {len(all_ids)} ({registered:.1f} s)")
    print(f"true duplicate pairs  {len(truth)}")
    print(f"suggested pairs       {len(predicted)}")
    print(f"precision             {precision:.3f}")
    print(f"recall                {recall:.3f}")
    print(f"suggestion time       {1000 * searched / len(all_ids):.1f} ms per case")


if __name__ == "__main__":
    main()
