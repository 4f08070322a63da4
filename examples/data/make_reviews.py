"""Write examples/data/reviews.csv: 200 real-looking, hand-written e-commerce reviews.

Every sentence below was written by hand for voc's examples (no scraped or shared
data). A review is one to three of them (sometimes with an opening or closing
remark), picked with a fixed seed, so the file is reproducible; stars follow the
review's tone with some noise (real shoppers leave 5 stars on lukewarm reviews).
Two stories are planted for the report to find: in September a phone system
update makes the 手机数码 category run hot and drain its battery, and in August a
rainstorm slows deliveries.

Run: python examples/data/make_reviews.py   (rewrites reviews.csv next to this file)
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

# (sentence, tone): +1 praise, -1 complaint, 0 neutral
# product → its own sentences; "*" → any product of the category
CATEGORIES: dict[str, dict[str, list[tuple[str, int]]]] = {
    "手机数码": {
        "X9 Pro 手机": [
            ("屏幕很清晰，看视频色彩很正", 1),
            ("拍照效果超出预期，夜景也很干净", 1),
            ("系统流畅，用了半个月没卡过", 1),
            ("电池挺耐用的，重度使用一天一充没问题", 1),
            ("玩游戏发热严重，摸着烫手", -1),
            ("屏幕有一个亮点，强迫症受不了", -1),
            ("信号很差，进电梯直接没网", -1),
            ("系统广告太多，开屏就是广告", -1),
            ("指纹解锁经常识别不了", -1),
            ("拍照偏色，人像发黄", -1),
            ("配件就一根数据线，没有充电头", 0),
        ],
        "降噪蓝牙耳机": [
            ("降噪效果不错，地铁上基本听不到噪音", 1),
            ("音质清楚，低音有力度", 1),
            ("戴久了耳朵也不疼", 1),
            ("蓝牙秒连，连接很稳定", 1),
            ("左耳时不时断连，很影响使用", -1),
            ("通话的时候对方说听不清我的声音", -1),
            ("充电盒的盖子有点松", 0),
        ],
        "11 英寸平板": [
            ("网课和追剧都够用，孩子很喜欢", 1),
            ("屏幕大，看 PDF 很舒服", 1),
            ("用久了有点卡顿，开两个应用就转圈", -1),
            ("收到的时候屏幕有划痕，明显不是新机", -1),
            ("手写笔要另外买", 0),
        ],
        "20000mAh 充电宝": [
            ("充电速度快，半小时给手机充了一大半", 1),
            ("出差带着刚好，能上飞机", 1),
            ("标称两万毫安，实际充两次手机就没电了", -1),
            ("有点重，放包里坠得慌", -1),
            ("给自己充满要七八个小时", -1),
        ],
        "运动手表": [
            ("续航一周多，睡眠监测挺准", 1),
            ("游泳也能戴，防水没问题", 1),
            ("和手机配对很顺，蓝牙一直没断过", 1),
            ("心率有时候测得不准，跑步时忽高忽低", -1),
            ("表带材质一般，戴久了手腕发痒", -1),
            ("表盘比想象中大，女生戴有点夸张", 0),
        ],
        "*": [
            ("手感很好，重量刚刚好", 1),
            ("用了不到一个月就不行了，掉电特别快", -1),
            ("外观跟宣传图差不多", 0),
            ("中规中矩吧，这个价位也就这样", 0),
        ],
    },
    "服饰鞋包": {
        "纯棉 T 恤": [
            ("面料很舒服，透气不闷", 1),
            ("洗了两次没有掉色也没缩水", 1),
            ("洗一次就起球了，质量太差", -1),
            ("面料很薄，浅色的有点透", -1),
            ("领口洗了几次就变形了", -1),
        ],
        "高腰牛仔裤": [
            ("版型很正，穿上显瘦显腿长", 1),
            ("弹力刚好，蹲下也不勒", 1),
            ("裤子太长了，还得自己拿去改", -1),
            ("掉色严重，第一次洗水都是蓝的", -1),
            ("腰围偏大，要系腰带", 0),
        ],
        "碎花连衣裙": [
            ("上身很仙，拍照好看", 1),
            ("颜色跟图片一样，没有色差", 1),
            ("衣服有色差，实物比图片暗很多", -1),
            ("拉链不顺，拉两下就卡住", -1),
            ("线头很多，还有一股刺鼻的味道", -1),
        ],
        "缓震跑鞋": [
            ("鞋子很轻，跑步不累脚", 1),
            ("缓震效果明显，膝盖舒服多了", 1),
            ("鞋子磨脚，穿半天脚后跟就破了", -1),
            ("鞋底太滑，下雨天不敢穿", -1),
            ("鞋带有点短", 0),
        ],
        "通勤双肩包": [
            ("包包容量大，电脑和水杯都能放下", 1),
            ("背着不累，肩带很宽", 1),
            ("肩带缝线开了，才背了一周", -1),
            ("下雨天包里的东西都湿了，说好的防水呢", -1),
        ],
        "*": [
            ("尺码标准，按平时的码数买刚好", 1),
            ("做工精细，线头都处理得很干净", 1),
            ("尺码偏小，建议大家买大一码", -1),
            ("中规中矩，跟价格相符", 0),
            ("穿着还行，就是颜色和想象中不太一样", 0),
            ("码数是参考客服的建议选的", 0),
        ],
    },
    "食品生鲜": {
        "阳山水蜜桃": [
            ("水蜜桃很甜，汁水特别多", 1),
            ("个头大，一个就有半斤", 1),
            ("桃子到手烂了好几个，一压就出水", -1),
            ("还没熟透，硬邦邦的，放了三天才软", -1),
        ],
        "每日坚果礼盒": [
            ("坚果很新鲜，颗粒饱满，没有哈喇味", 1),
            ("小包装很方便，上班带一包", 1),
            ("有好几颗是坏的，吃到嘴里发苦", -1),
            ("蔓越莓干太甜了，齁得慌", -1),
        ],
        "纯牛奶整箱": [
            ("奶味很浓，早上热一杯很香", 1),
            ("离过期只剩半个月了", -1),
            ("包装漏了，箱子里全是奶", -1),
            ("比超市便宜一点", 0),
        ],
        "五常大米": [
            ("大米煮出来很香，口感软糯", 1),
            ("米粒整齐，碎米很少", 1),
            ("打开有米虫，不敢吃了", -1),
            ("分量比描述的少，称了一下少了快一斤", -1),
        ],
        "意式咖啡豆": [
            ("咖啡豆香气浓郁，烘焙度刚好", 1),
            ("做拿铁很好喝，油脂丰富", 1),
            ("豆子不新鲜，一点油脂都没有", -1),
            ("酸味太重，不是我喜欢的口味", -1),
        ],
        "*": [
            ("日期很新，是上个月刚生产的", 1),
            ("冷链发货，到的时候冰袋还没化", 1),
            ("孩子很爱吃，已经回购好几次了", 1),
            ("分量很足，一家人吃了好几天", 1),
            ("吃完肚子不舒服，不敢再买了", -1),
            ("味道一般，跟超市买的差不多", 0),
            ("口味偏淡，适合不喜欢重口的人", 0),
        ],
    },
    "家用电器": {
        "空气炸锅": [
            ("做鸡翅外焦里嫩，一点油都不用放", 1),
            ("篮子不粘，洗起来很方便", 1),
            ("塑料味很重，空烧了好几次还有", -1),
            ("容量有点小，一次只能放四个鸡翅", 0),
        ],
        "扫地机器人": [
            ("规划路线很聪明，不会乱撞", 1),
            ("吸力够大，猫毛都吸得干干净净", 1),
            ("老是卡在沙发底下出不来", -1),
            ("App 经常连不上，只能手动开", -1),
        ],
        "落地电风扇": [
            ("声音很小，晚上开着睡觉不吵", 1),
            ("风很柔和，老人孩子吹着都舒服", 1),
            ("噪音太大了，像拖拉机一样", -1),
            ("遥控器不灵敏，要对着按好几次", -1),
        ],
        "滚筒洗衣机": [
            ("洗得很干净，脱水也很彻底", 1),
            ("安装师傅很专业，半小时就装好了，还帮忙清理了现场", 1),
            ("脱水的时候整个机器都在晃", -1),
            ("安装师傅迟到了两个小时，还额外收了材料费", -1),
        ],
        "厨下净水器": [
            ("出水量大，水喝起来没有怪味", 1),
            ("滤芯提醒很贴心", 1),
            ("废水比例太高，浪费水", -1),
            ("接头漏水，橱柜都泡了", -1),
        ],
        "*": [
            ("颜值高，放在家里很好看", 1),
            ("操作简单，家里老人也会用", 1),
            ("用了三天就坏了，开机没反应", -1),
            ("说明书写得很乱，看半天不知道怎么设置", -1),
            ("售后说要寄回厂家检测，一来一回要半个月", -1),
            ("功能够用，没有太多花里胡哨的", 0),
            ("比想象中小一点，一个人用刚好", 0),
        ],
    },
    "美妆个护": {
        "氨基酸洗面奶": [
            ("洗完脸不紧绷，很温和", 1),
            ("泡沫很绵密，一点点就够", 1),
            ("用了两天脸上开始长痘痘", -1),
            ("洗完还是觉得没洗干净", -1),
        ],
        "清爽防晒霜": [
            ("很清爽，不油不闷痘", 1),
            ("户外暴晒一天也没晒黑", 1),
            ("搓泥，上妆后全是白条", -1),
            ("抹完脸白得像刷了墙", -1),
        ],
        "控油洗发水": [
            ("味道好闻，头发洗完很蓬松", 1),
            ("控油效果一般，下午头发就油了", -1),
            ("味道太冲了，闻着头晕", -1),
        ],
        "补水面膜": [
            ("精华很多，敷完皮肤水水的", 1),
            ("收到的面膜有几片是干的", -1),
            ("敷完有点刺痛，不适合敏感肌", -1),
        ],
        "声波电动牙刷": [
            ("刷得很干净，震动不麻手", 1),
            ("两分钟自动停，还会提醒换区", 1),
            ("充一次电用不了几天", -1),
            ("刷头太硬，牙龈出血了", -1),
        ],
        "*": [
            ("敏感肌用着没有刺痛，很安心", 1),
            ("官方旗舰店买的，防伪码能查到", 1),
            ("瓶子漏液了，洒了半瓶", -1),
            ("怀疑是假货，跟专柜买的质地不一样", -1),
            ("效果还没看出来，再用一段时间看看", 0),
            ("香味有点浓，不过能接受", 0),
        ],
    },
}
# September: an update of the phone's system (planted story)
SEPTEMBER_PHONE = [
    ("升级新系统以后发热明显，电量掉得飞快", -1),
    ("更新完系统耗电太快了，官方赶紧修复吧", -1),
    ("最近一次更新后手机烫得能煎蛋，充电也变慢了", -1),
    ("系统更新后待机一晚上掉了百分之二十的电", -1),
]

# delivery, service, packaging, price, after-sales: any category
SHARED = [
    ("物流很快，第二天就送到了", 1),
    ("快递小哥态度很好，送货上门", 1),
    ("包装很严实，里三层外三层", 1),
    ("客服回复及时，问什么都很耐心", 1),
    ("价格很实惠，赶上活动很划算", 1),
    ("性价比很高，比线下便宜不少", 1),
    ("售后处理很快，换货第三天就收到了", 1),
    ("发货速度快，下单当天就发了", 1),
    ("物流太慢了，等了一个星期才到", -1),
    ("快递直接放驿站，也不打电话通知", -1),
    ("外包装破了，里面的盒子也压扁了", -1),
    ("客服就会复制粘贴，根本不解决问题", -1),
    ("刚买完就降价了，找客服也不给保价", -1),
    ("申请退款一周了还没处理", -1),
    ("发错货了，要的是黑色发来的是白色", -1),
    ("退货还要自己出运费，太坑了", -1),
    ("催了好几次发货，客服一直说在排队", -1),
    ("价格偏贵，感觉不值这个价", -1),
    ("物流速度正常", 0),
    ("包装很简单，就一个袋子", 0),
    ("快递是顺丰", 0),
]
AUGUST = [  # the rainstorm (planted story)
    ("赶上暴雨物流停了好几天，比预计晚到一周", -1),
    ("快递在中转站躺了五天不动，问客服只说天气原因", -1),
    ("物流信息三天没更新，差点以为丢件了", -1),
]

OPENERS = {1: ["第二次购买了，", "帮家里人买的，", "朋友推荐的，", "618 囤的货，"],
           0: ["用了一周来评价一下，", "说一下真实感受，"],
           -1: ["说实话有点失望，", "第一次在这家买，"]}
CLOSERS = {1: ["好评！", "总体很满意，推荐购买。", "已经推荐给朋友了。", "会回购的。", "五星好评，下次还来👍",
               "东西不错，值这个价。"],
           0: ["还行吧。", "一般般，凑合用。", "先用用看，有问题再追评。"],
           -1: ["再也不会在这家买了。", "非常失望，差评！", "大家别买，浪费钱。", "给一星都嫌多😡"]}
# whole reviews in other registers: slang, emoji, traditional script, the platform default
STANDALONE = [
    ("真的yyds，闭眼入", 1),
    ("颜值绝绝子，爱了爱了😍", 1),
    ("質量很好，物流也快，下次還會再來", 1),
    ("包裝精美，送人很有面子", 1),
    ("踩雷了，图片仅供参考系列", -1),
    ("无语😓 跟描述完全不一样", -1),
    ("東西收到了，但是跟網上看的差很多，有點失望", -1),
    ("此用户没有填写评价。", 0),
    ("此用户没有填写评价。", 0),
    ("此用户没有填写评价。", 0),
]

START = datetime(2024, 7, 1)
N = 200


def _stars(tone: float, rng: random.Random) -> int:
    if tone > 0.3:
        return rng.choice([5, 5, 5, 5, 4])
    if tone < -0.3:
        return rng.choice([1, 1, 2, 2, 3]) if rng.random() > 0.05 else 5  # the odd default 5 stars
    return rng.choice([3, 3, 4, 2, 5])


def _join(parts: list[tuple[str, int]], rng: random.Random) -> str:
    out = parts[0][0]
    for (text, tone), (_, prev) in zip(parts[1:], parts):
        if tone * prev < 0:
            out += rng.choice(["，但是", "，不过", "。就是", "，可惜"]) + text
        elif tone == prev != 0:
            out += rng.choice(["，", "，", "。", "，而且"]) + text
        else:
            out += rng.choice(["，", "。"]) + text
    return out


def _pick(pool: list[tuple[str, int]], mood: str, k: int, rng: random.Random) -> list[tuple[str, int]]:
    pos = [s for s in pool if s[1] > 0]
    neg = [s for s in pool if s[1] < 0]
    neu = [s for s in pool if s[1] == 0]
    if mood == "mixed":
        parts = [rng.choice(pos), rng.choice(neg)]
        rng.shuffle(parts)
        if k > 2 and neu:
            parts.append(rng.choice(neu))
        return parts
    main = pos if mood == "positive" else neg
    parts = rng.sample(main, min(k, len(main)))
    if neu and rng.random() < 0.25:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(neu))
    return parts


def make(n: int = N, seed: int = 8) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    names = list(CATEGORIES)
    while len(rows) < n:
        when = START + timedelta(days=rng.randrange(92), minutes=rng.randrange(8 * 60, 24 * 60))
        # the phone sells best
        cat = rng.choice(names)
        products = [p for p in CATEGORIES[cat] if p != "*"]
        product = rng.choices(products, weights=[2.5] + [1.0] * (len(products) - 1))[0]
        if when.month == 9 and rng.random() < 0.12:  # owners of the updated phone come to complain
            cat, product = "手机数码", "X9 Pro 手机"
        mood = rng.choices(["positive", "negative", "mixed"], weights=[55, 27, 18])[0]
        if rng.random() < 0.06:
            text, tone = rng.choice(STANDALONE)
            if text in seen and not text.startswith("此用户"):
                continue
            stars = 5 if text.startswith("此用户") else _stars(tone, rng)
        else:
            pool = CATEGORIES[cat][product] + CATEGORIES[cat]["*"]
            k = rng.choice([1, 2, 2, 2, 3])
            if product == "X9 Pro 手机" and when.month == 9 and rng.random() < 0.7:
                parts = [rng.choice(SEPTEMBER_PHONE)] + _pick(pool, "negative", k - 1, rng)[: k - 1]
                mood = "negative"
            else:
                parts = _pick(pool, mood, k, rng)
            if rng.random() < 0.45:
                if when.month == 8 and 5 <= when.day <= 25 and rng.random() < 0.6:
                    extra = rng.choice(AUGUST)
                else:
                    want = {"positive": 1, "negative": -1}.get(mood, rng.choice([1, -1, 0]))
                    extra = rng.choice([s for s in SHARED if s[1] == want])
                parts.insert(rng.randrange(len(parts) + 1), extra)
            tone = sum(t for _, t in parts) / len(parts)
            text = _join(parts, rng)
            feel = 1 if tone > 0.3 else -1 if tone < -0.3 else 0
            if rng.random() < 0.2:
                text = rng.choice(OPENERS[feel]) + text
            text += "。" if rng.random() < 0.5 else ""
            if rng.random() < 0.35:
                text = text.rstrip("。") + "。" + rng.choice(CLOSERS[feel])
            if text in seen:
                continue
            stars = _stars(tone, rng)
        seen.add(text)
        rows.append({"when": when, "category": cat, "product": product, "stars": stars, "review": text})
    rows.sort(key=lambda r: r["when"])  # type: ignore[arg-type, return-value]
    for i, r in enumerate(rows):
        r["review_id"] = f"R{240700 + i:06d}"
        r["created_at"] = r.pop("when").strftime("%Y-%m-%d %H:%M")  # type: ignore[union-attr]
    return rows


def main() -> None:
    rows = make()
    path = Path(__file__).with_name("reviews.csv")
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["review_id", "created_at", "category", "product", "stars", "review"])
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} reviews to {path}")


if __name__ == "__main__":
    main()
