"""Similar cases (类案参考) at scale: precision@5 on generated families of similar disputes, and query
time beside a primary-key lookup measured in the same run.

    .venv/bin/python bench/similar.py --cases 100000          # makes /tmp/similar_bench_100000.db if needed
    .venv/bin/python bench/similar.py --cases 1000000 --database-url sqlite:////tmp/bench_1m.db
    .venv/bin/python bench/similar.py --cases 1000000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/similar_bench_1m

1. An empty database is filled by bench/generate.py (--cases N, seed, fixed clock); one with cases is used
   as it is (it is changed: use a bench copy, never real data).
2. The index is built from every closed case with the app's own `cases.similar.rebuild` (timed).
3. Families: F groups of M closed cases (picked at random) get a summary and a session record written from
   one family template with variations: two details drawn from a shared pool (each detail occurs in
   several families; a family is its pair), each kept with probability 0.85 and in one of two or three
   wordings; half the time a base summary of the family's category from the background's own templates
   (so hundreds of background cases share those words: hard negatives); random order, prefixes,
   suffixes, amounts; a background session record, with a detail in background wording 60 % of the
   time. They are re-indexed through `index_closed_cases`, the path a closing takes (timed per case).
4. One member of each family asks for its five most similar cases; precision@5 is the share of the five
   that are of its family (M-1 = 5 others exist). Query time (p50/p95) for those and for open background
   cases, and the floor: one case read by primary key, the same way.

Caveat, printed with the figures: the families come from our own generator, whose variations we chose;
precision on real case files will be lower, and only a labelled sample of real cases can say how much.
"""
import argparse
import os
import random
import statistics
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, ROOT)
sys.path.insert(0, BENCH)

from sqlalchemy import func, select, update  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

import bulk_text as T  # noqa: E402
from bench_db import NOW, ensure_cases, log  # noqa: E402
from mediation import create_app  # noqa: E402
from mediation.auth.models import User  # noqa: E402
from mediation.cases.models import Case, MediationSession  # noqa: E402
from mediation.cases.similar import INDEXED_STATUSES, index_closed_cases, rebuild, similar_cases  # noqa: E402
from mediation.cases.similar_models import SimilarTerm, SimilarTermCount  # noqa: E402
from mediation.extensions import db  # noqa: E402


# Details a dispute may turn on, each in two or three wordings; families draw two each, so a detail
# occurs in several families and only the pair tells a family apart.
DETAILS = [
    ("鱼塘死鱼", "鱼塘里的鱼大量死亡", "鱼塘鱼苗死亡"), ("化粪池外溢", "化粪池污水漫出"),
    ("光伏板反光", "屋顶光伏板强光照射"), ("祖坟迁移", "迁移祖坟"), ("果园篱笆被拆", "拆除果园篱笆"),
    ("羊群啃食麦苗", "放养的羊吃了麦苗"), ("冷库断电", "冷库停电货物变质"), ("直播带货退货", "直播间买的货退不了"),
    ("快递柜占道", "快递柜挡住通道"), ("私拉电线给电动车充电", "飞线充电"), ("广场舞音响", "跳广场舞音响太响"),
    ("违建阳光房", "搭建阳光房"), ("蜂箱蜇人", "养蜂蜇伤"), ("蔬菜大棚倒塌", "大棚被风刮倒"),
    ("外卖电瓶车", "外卖骑手电瓶车"), ("共享单车堆放", "共享单车乱停"), ("排水沟堵塞积水", "雨后积水排不出去"),
    ("红白喜事搭棚", "办酒席搭棚占路"), ("烟花爆竹炸伤", "放鞭炮炸伤"), ("农药飘移致庄稼枯死", "打农药飘到邻田"),
    ("挖掘机损坏水管", "施工挖断自来水管"), ("小区充电桩", "充电桩安装"), ("燃气管道改装", "私自改装燃气管"),
    ("白蚁蔓延", "白蚁从邻居家蔓延过来"), ("古树砍伐", "砍了村口古树"), ("土葬占用耕地", "坟地占了耕地"),
    ("网约车订单取消费", "网约车乱收费"), ("宠物店寄养走失", "寄养的猫走丢"), ("学生托管班退费", "托管班不退钱"),
    ("二手房漏缴物业费", "前房主欠物业费"), ("太阳能热水器漏水", "楼顶热水器漏水"), ("水泥搅拌站粉尘", "搅拌站灰尘大"),
    ("鸽子粪便污染", "养鸽子粪便多"), ("婚庆公司违约", "婚庆服务没兑现"), ("驾校退学费", "驾校不退学费"),
    ("监控探头对着窗户", "摄像头对着邻居家"), ("地下室渗水", "车库渗水"), ("高压线下建房", "在电线下面盖房"),
    ("菜地被推平", "菜地被铲平"), ("水产养殖尾水", "养殖尾水排放"), ("雇工中暑", "干活时中暑"),
    ("保健品推销", "老人买保健品"), ("拆迁过渡房漏雨", "过渡房下雨漏水"), ("彩钢棚噪音", "彩钢板被风吹响"),
    ("电梯加装分摊", "加装电梯费用分摊"), ("宅前屋后堆柴", "门口堆放柴火"), ("渔网被割", "渔网被人剪破"),
    ("农机碾压田埂", "拖拉机压坏田埂"),
]
# Said around a detail in a session record: words the background's records use too (bulk_text), so only
# the detail itself sets a family's records apart.
FAMILY_RECORDS = ["现场查看{detail}，拍照取证", "双方陈述{detail}的事实", "调解员就{detail}释法析理"]
PREFIXES = ["", "", "来电人反映，", "申请人称，", "据网格员报告，", "当事人来所反映，"]
SUFFIXES = ["", "", "，请求调解", "，已多次协商未果", "，双方情绪较为激动"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, required=True, help="cases in the database (generated if it is empty)")
    p.add_argument("--database-url", default=None, help="default: sqlite:////tmp/similar_bench_<cases>.db")
    p.add_argument("--families", type=int, default=200)
    p.add_argument("--family-size", type=int, default=6)
    p.add_argument("--background-queries", type=int, default=200, help="queries from open generated cases")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--skip-rebuild", action="store_true", help="keep the index already there")
    return p.parse_args(argv)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def family_texts(rng: random.Random, families: int, size: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """(category, [(summary, record)] × size) per family."""
    categories = [c for c in T.SUMMARIES if c != "其他"]
    out, pairs = [], set()
    while len(out) < families:
        pair = tuple(sorted(rng.sample(range(len(DETAILS)), 2)))
        if pair in pairs:
            continue
        pairs.add(pair)
        category = rng.choice(categories)
        base = T.parse(rng.choice(T.SUMMARIES[category]))
        members = []
        for _ in range(size):
            slots = {"amt": lambda: str(rng.randrange(5, 500) * 100), "n": lambda: str(rng.randrange(2, 9)),
                     "vp": "小庙村村民"}
            kept = [d for d in pair if rng.random() < 0.85] or [rng.choice(pair)]
            details = [rng.choice(DETAILS[d]) for d in kept]
            rng.shuffle(details)
            clauses = details + ([T.render(base, rng, slots)] if rng.random() < 0.5 else [])
            rng.shuffle(clauses)
            summary = rng.choice(PREFIXES) + "，".join(clauses) + rng.choice(SUFFIXES)
            record = T.render(T.parse(rng.choice(T.SESSION_RECORDS)), rng, slots)
            if rng.random() < 0.6:
                record += rng.choice(FAMILY_RECORDS).format(detail=rng.choice(DETAILS[rng.choice(pair)]))
            members.append((summary, record))
        out.append((category, members))
    return out


def write_families(rng, args) -> list[list[int]]:
    """Rewrite F × M random closed cases (with a session) as the families; their case ids per family."""
    need = args.families * args.family_size
    top = db.session.scalar(select(func.max(Case.id)))
    chosen: dict[int, int] = {}
    while len(chosen) < need:
        sample = rng.sample(range(1, top + 1), min(top, 4 * need))
        rows = db.session.execute(
            select(MediationSession.case_id, func.min(MediationSession.id))
            .join(Case, Case.id == MediationSession.case_id)
            .where(MediationSession.case_id.in_(sample), Case.status.in_(INDEXED_STATUSES))
            .group_by(MediationSession.case_id)).all()
        for case_id, session_id in rows:
            if len(chosen) < need:
                chosen.setdefault(case_id, session_id)
    ids = list(chosen)
    rng.shuffle(ids)
    families = []
    for f, (category, members) in enumerate(family_texts(rng, args.families, args.family_size)):
        family = ids[f * args.family_size:(f + 1) * args.family_size]
        for case_id, (summary, record) in zip(family, members):
            db.session.execute(update(Case).where(Case.id == case_id).values(summary=summary, category=category))
            db.session.execute(update(MediationSession).where(MediationSession.id == chosen[case_id])
                               .values(record=record))
        families.append(family)
    db.session.commit()
    return families


def load(case_id: int) -> Case:
    return db.session.scalars(select(Case).where(Case.id == case_id)
                              .options(selectinload(Case.sessions), selectinload(Case.parties))).one()


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main(argv=None) -> None:
    args = parse_args(argv)
    url = args.database_url or os.environ.get("DATABASE_URL") or f"sqlite:////tmp/similar_bench_{args.cases}.db"
    rng = random.Random(args.seed)
    ensure_cases(url, args.cases, args.seed)
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        backend = db.engine.dialect.name
        total = db.session.scalar(select(func.count()).select_from(Case))
        closed = db.session.scalar(select(func.count()).select_from(Case).where(Case.status.in_(INDEXED_STATUSES)))
        log(f"{backend}: {total:,} cases, {closed:,} closed; load average {os.getloadavg()[0]:.1f}")
        if not args.skip_rebuild:
            started = time.perf_counter()
            indexed = rebuild(chunk=5000, progress=lambda n: n % 100000 < 5000 and log(
                f"  {n:>10,} indexed  {time.perf_counter() - started:7.0f}s"))
            rebuild_s = time.perf_counter() - started
            log(f"index rebuilt: {indexed:,} closed cases in {rebuild_s:.0f}s")
        postings = db.session.scalar(select(func.count()).select_from(SimilarTerm))
        terms = db.session.scalar(select(func.count()).select_from(SimilarTermCount))
        log(f"index: {postings:,} postings ({postings / max(closed, 1):.0f} a closed case), {terms:,} distinct terms")

        families = write_families(rng, args)
        started = time.perf_counter()
        for family in families:
            index_closed_cases(family)
        db.session.commit()
        per_case = (time.perf_counter() - started) * 1000 / (len(families) * args.family_size)
        log(f"families: {len(families)} × {args.family_size}, re-indexed at {per_case:.1f} ms a case")

        user = db.session.scalars(select(User).where(User.role == "supervisor")).first()
        hits, family_ms, found_counts = [], [], []
        for family in families:
            query = load(family[0])
            similar_cases(query, user=user)  # warm the pages this query reads, as a repeated page view is
            ms = []
            for _ in range(3):
                ms.append(timed(lambda: similar_cases(query, user=user)))
            family_ms.append(statistics.median(ms))
            found = similar_cases(query, user=user)
            refs = {r for (r,) in db.session.execute(select(Case.reference).where(Case.id.in_(family[1:])))}
            hits.append(sum(s.reference in refs for s in found) / 5)
            found_counts.append(len(found))
            db.session.expunge_all()
        open_ids = list(db.session.scalars(select(Case.id).where(Case.status == "in_mediation")
                                           .order_by(Case.id.desc()).limit(args.background_queries)))
        background_ms = []
        for case_id in open_ids:
            query = load(case_id)
            similar_cases(query, user=user)
            background_ms.append(timed(lambda: similar_cases(query, user=user)))
            db.session.expunge_all()
        top = db.session.scalar(select(func.max(Case.id)))
        floor = []
        for _ in range(300):
            case_id = rng.randrange(1, top + 1)
            floor.append(timed(lambda: db.session.execute(
                select(Case.id, Case.reference, Case.summary).where(Case.id == case_id)).first()))
        floor_ms = statistics.median(floor)

    log("")
    log(f"| {backend}, {total:,} cases | value |")
    log("|---|---:|")
    log(f"| precision@5 over {len(families)} families of {args.family_size} | {statistics.mean(hits):.3f} |")
    log(f"| families with all 5 right / with 0 right | {sum(h == 1 for h in hits)} / {sum(h == 0 for h in hits)} |")
    log(f"| family query p50 / p95 (ms) | {pct(family_ms, .5):.1f} / {pct(family_ms, .95):.1f} |")
    log(f"| open background case query p50 / p95 (ms) | {pct(background_ms, .5):.1f} / "
        f"{pct(background_ms, .95):.1f} |")
    log(f"| floor: one case by primary key, median (ms) | {floor_ms:.2f} |")
    log(f"| ratio p50 / floor (family, background) | ×{pct(family_ms, .5) / floor_ms:.0f}, "
        f"×{pct(background_ms, .5) / floor_ms:.0f} |")
    if not args.skip_rebuild:
        log(f"| index rebuild, {closed:,} closed cases (s) | {rebuild_s:.0f} |")
    log(f"| postings per closed case | {postings / max(closed, 1):.0f} |")
    log(f"| re-index on closing (ms a case) | {per_case:.1f} |")
    log("\nCaveat: the families come from our own generator (bench/similar.py), whose variations we chose; "
        "precision on real case files will be lower, and only a labelled sample of real cases can say how much.")


if __name__ == "__main__":
    main()
