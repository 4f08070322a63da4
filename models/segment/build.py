"""Build models/segment/voc_dict.txt and models/segment/stopwords.txt.

Run from the repository root (needs ../shared/data for the mined part):

    .venv/bin/python models/segment/build.py

Both files are plain text, reviewed by hand after each build (the model card,
README.md beside this file, records what was done). The build is
deterministic: same data and jieba version, same files.

voc_dict.txt (jieba user-dictionary format ``word freq pos``)
    1. CURATED: customer-service and review vocabulary written by hand.
    2. MINED: word sequences that jieba's default dictionary splits but that
       behave as one word in real VoC text (reviews, food delivery, Weibo
       helpdesk dialogues, JD customer-service chats, cosmetics and car-forum
       reviews): 2-3 adjacent jieba tokens, 2-5 Han characters, seen >= 40
       times in >= 25 distinct texts, strongly associated (PMI >= 5) and free
       on both sides (left/right neighbour entropy >= 1.5 bits), not starting or
       ending with a function word, minus a reviewed blocklist.
    3. POS_FIXES: tags of jieba's dictionary that are wrong for VoC analysis
       (很/zg -> d, 啊/zg -> y ...), written with no frequency: tag only.
    Frequencies: a word seen n times in our corpus of N tokens gets
    n * TOTAL/N (the count it would have in jieba's corpus at our rate), at
    least the smallest frequency that lets it win on its own
    (jieba suggest_freq + 1), at most 50,000.

stopwords.txt
    Function words from jieba's dictionary by tag: pronouns r, prepositions
    p, conjunctions c, particles u*, modal particles y, interjections e, with
    frequency >= 3,000 and at most 3 characters; plus measure words,
    punctuation and symbols; minus KEEP: negators, degree words,
    contrast/concession, rhetorical and comparison markers, which carry
    polarity in voice-of-customer text.
"""

from __future__ import annotations

import csv
import json
import math
import re
import string
import sys
from collections import Counter, defaultdict
from pathlib import Path

import jieba
import rjieba

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1].parent / "shared" / "data"

# ----------------------------------------------------------------------------- curated
# word -> POS (n noun, v verb, a adjective, vn verbal noun, nz proper noun, l idiom, m number)
CURATED: dict[str, str] = {
    # Never a degree or negation word glued to an opinion (很满意, 不好吃): the
    # sentiment rules and opinion extraction need 很 / 不 as words of their own.
    # ratings and reviews
    "好评": "n", "差评": "n", "中评": "n", "五星好评": "n", "五星": "n", "一星": "n",
    "追评": "n", "晒单": "v", "好评率": "n", "差评率": "n", "返现": "v", "好评返现": "l",
    "刷单": "v", "刷好评": "v", "性价比": "n", "高性价比": "n", "物美价廉": "l", "物有所值": "l",
    "物超所值": "l", "值得购买": "l", "值得信赖": "l", "回购": "v", "无限回购": "l",
    "种草": "v", "拔草": "v", "踩雷": "v", "踩坑": "v", "避雷": "v", "翻车": "v",
    "智商税": "n", "正品": "n", "假货": "n", "假冒伪劣": "l", "三无产品": "n", "山寨": "n",
    "质量问题": "n", "做工": "n", "用料": "n", "手感": "n", "色差": "n", "尺码": "n",
    "偏大": "a", "偏小": "a", "起球": "v", "掉色": "v", "异味": "n", "漏液": "v",
    "续航": "n", "卡顿": "a", "闪退": "v", "死机": "v", "黑屏": "v", "发热": "v", "发烫": "v",
    "坑爹": "a", "垃圾货": "n",
    "一般般": "a", "还行": "a", "还可以": "a", "凑合": "a", "失望": "a", "满意度": "n",
    # order, delivery, logistics
    "发货": "v", "已发货": "v", "延迟发货": "v",     "催发货": "v", "到货": "v", "收货": "v", "确认收货": "v", "签收": "v", "拒收": "v",
    "物流": "n", "快递": "n", "快递员": "n", "配送": "v", "配送员": "n", "骑手": "n",
    "外卖": "n", "外卖员": "n", "送餐": "v", "送达": "v", "包邮": "v", "运费": "n",
    "运费险": "n", "快递费": "n", "物流信息": "n", "物流单号": "n", "快递单号": "n",
    "单号": "n", "订单号": "n", "下单": "v", "拍下": "v", "付款": "v", "已付款": "v",
    "预售": "v", "缺货": "v", "断货": "v", "补发": "v", "漏发": "v", "错发": "v",
    "少发": "v", "丢件": "v", "破损": "v", "包装": "n", "外包装": "n", "京东": "nz",
    "淘宝": "nz", "天猫": "nz", "拼多多": "nz", "美团": "nz", "饿了么": "nz",
    "顺丰": "nz", "中通": "nz", "圆通": "nz", "申通": "nz", "韵达": "nz", "菜鸟驿站": "nz",
    "自提": "v", "上门取件": "v", "送货上门": "l",
    # after-sales
    "售后": "n", "售后服务": "n", "退款": "v", "已退款": "v", "退钱": "v", "退货": "v",
    "换货": "v", "退换货": "v", "退换": "v", "退货退款": "v", "仅退款": "v", "保价": "v",
    "价保": "n", "补差价": "v", "七天无理由": "l", "七天无理由退货": "l", "7天无理由": "l",
    "无理由退货": "l", "三包": "n", "保修": "v", "保修期": "n", "返修": "v", "维修": "v",
    "质保": "n", "质保期": "n", "以旧换新": "l", "赔付": "v", "理赔": "v", "赔偿": "v",
    "先行赔付": "l",     # customer service and escalation
    "客服": "n", "人工客服": "n", "在线客服": "n", "客服电话": "n", "客服热线": "n",
    "智能客服": "n", "机器人客服": "n", "转人工": "v", "人工服务": "n", "工单": "n",
    "投诉": "v", "客诉": "n", "差评师": "n", "已读不回": "l",
    "踢皮球": "v", "推诿": "v", "敷衍": "v", "服务态度": "n",
    "工作人员": "n", "店家": "n", "商家": "n", "卖家": "n", "买家": "n", "掌柜": "n",
    "12315": "m", "12345": "m", "12318": "m", "工信部": "nt", "消协": "nt",
    "消费者协会": "nt", "市场监管局": "nt", "工商局": "nt", "黑猫投诉": "nz",
    "曝光": "v", "媒体曝光": "l", "报警": "v", "起诉": "v", "律师函": "n",
    "销户": "v", "注销": "v", "携号转网": "l", "停机": "v", "扣费": "v", "乱扣费": "v",
    "话费": "n", "流量": "n", "宽带": "n", "信号": "n", "网速": "n",
    "会员": "n", "优惠券": "n", "红包": "n", "满减": "v", "积分": "n", "代金券": "n",
    # food delivery
    "口感": "n", "分量": "n", "份量": "n", "味道": "n", "好吃": "a", "难吃": "a",
        "送错": "v", "超时": "v", "准时": "a", "餐具": "n",
}

# Tag-only fixes of jieba's dictionary (no frequency: segmentation unchanged).
POS_FIXES: dict[str, str] = {
    "很": "d", "较": "d", "稍": "d", "甚": "d", "仍": "d", "啊": "y", "哦": "y",
    "您": "r", "每": "r", "此": "r", "虽": "c", "且": "c", "穿": "v", "掉": "v",
    "够": "v", "块": "q", "件": "q", "好评": "n", "有点": "d", "没": "d",
}

# Mined candidates reviewed by hand and rejected: verb phrases, aspect+opinion
# phrases (价格实惠 must stay 价格/实惠 for opinion extraction), and brand or
# product names specific to the mining corpus (we build for the general case).
BLOCKLIST: set[str] = set("""
收到货 裤子质量 买水果 来评价 搞活动 京东买东西 价格实惠 京东购物 看视频 相信京东 看电影
信赖京东 衣服质量 支持国货 问客服 洗完头发 想问 支持国产 装系统 垃圾垃圾 做活动 出问题
抵制蒙牛 欺骗消费者 找客服 拿到手 请私信 有弹性 开空调 潘苹果 中国人 信任京东 支持华为
电话联系 遇到问题 玩王者 小时内 苹果个头 重启手机 蒙牛伊利 会自动 有机会 经济实惠 感谢京东
总体感觉 送吹风机 还有赠品 去营业厅 玩王者荣耀 想问问 买到假货 洗完头 期待效果 来评论 有关系
营业厅办理 外观时尚 有专人 价格优惠 去实体店 苹果太小 帮同事 有质感 小哥服务 小哥态度
卖家态度 卖家服务 申请售后 清除数据 烟台苹果 导航版 森林人 搜狗输入法 王者荣耀 华为手机
华为平板 坚果手机 清扬洗发水 京妮儿 蒙牛酸酸乳 南瓜粥 皮蛋瘦肉粥 拌饭 北京联通 上海联通
广东联通 百度骑士 京东生鲜 整体感觉 听音乐 客服态度
""".split())

# ----------------------------------------------------------------------------- stopwords
KEEP: set[str] = set(
    # negators
    "不 没 没有 无 非 别 未 莫 勿 甭 否 不是 不要 不会 不能 不用 不够 没法 并非 毫无 绝不 从不 "
    # degree
    "很 太 非常 挺 超 超级 特别 最 更 更加 极 极其 真 真的 蛮 比较 有点 有些 十分 相当 稍 稍微 "
    "略 过于 实在 格外 尤其 越来越 好 多么 这么 那么 如此 这样 那样 太过 完全 根本 "
    # contrast, concession, condition
    "但 但是 可是 可 不过 然而 却 只是 虽然 虽 尽管 而 反而 倒是 还是 否则 要不是 "
    # rhetorical, surprise, repetition, comparison
    "难道 居然 竟然 竟 怎么 为什么 凭什么 何必 岂 还 再 又 比 比起 不如 还不如".split()
)
FUNCTION_TAGS = {"r", "p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv", "y", "e"}
EXTRA_STOPWORDS = (
    "的 了 着 过 地 得 之 啦 嘛 呗 哈 呀 吧 呢 吗 么 嘞 咯 喔 噢 "
    "我 你 他 她 它 我们 你们 他们 她们 它们 咱 咱们 自己 大家 人家 "
    "这 那 这个 那个 这些 那些 这里 那里 这边 那边 这儿 那儿 此 其 其他 其它 "
    "个 只 些 件 次 下 点 种 位 把 条 块 "
    "和 与 及 以及 或 或者 并 并且 而且 以 因 因为 所以 因此 于是 然后 如果 要是 "
    "在 从 对 对于 关于 向 往 给 跟 被 让 由 为 为了 按 按照 通过 "
    "是 就 也 都 等 等等 啊 哦 嗯 呃 诶 哎"
).split()


def _function_words() -> set[str]:
    path = Path(jieba.__file__).with_name("dict.txt")
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        w, f, t = line.split()
        if t in FUNCTION_TAGS and int(f) >= 3000 and len(w) <= 3:
            out.add(w)
    return out


def build_stopwords() -> list[str]:
    words = _function_words() | set(EXTRA_STOPWORDS)
    punct = set(string.punctuation) | set("，。！？；：、“”‘’（）【】《》〈〉「」『』…—～·￥")
    words |= punct
    words -= KEEP
    return sorted(words)


# ----------------------------------------------------------------------------- corpus
def _texts() -> list[str]:
    out: list[str] = []
    for name, col in [("sentiment/online_shopping_9cats.csv", "review"),
                      ("sentiment/waimai.csv", "review"),
                      ("opinions/zhijiang_cosmetics_reviews.csv", "Reviews"),
                      ("opinions/zhijiang_cosmetics_unlabelled.csv", "Reviews"),
                      ("opinions/car_forum_topics.csv", "content")]:
        with open(DATA / name, encoding="utf-8", newline="") as f:
            out += [row[col] for row in csv.DictReader(f) if row.get(col)]
    with open(DATA / "dialogues/helpdesk_weibo.jsonl", encoding="utf-8") as f:
        for line in f:
            out += [t["text"] for t in json.loads(line)["turns"] if t.get("text")]
    with open(DATA / "dialogues/jd_chat_sessions.tsv", encoding="utf-8", newline="") as f:
        out += [row["text"] for row in csv.DictReader(f, delimiter="\t") if row.get("text")]
    return list(dict.fromkeys(out))  # exact duplicates (chat boilerplate) once


_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


NOUNISH = {"n", "nz", "vn", "ng", "nr", "ns", "nt", "nrt", "j", "eng"}


def _compound(g: tuple[str, ...], stop: set[str], known: rjieba.Jieba) -> bool:
    """Noun compounds only: every part a noun-like word, none a function or
    polarity word. Phrases such as 物流很快 or 很好 must stay split: sentiment
    and opinion extraction need 很 and 快 as words of their own."""
    if any(t in stop or t in KEEP for t in g):
        return False
    tags = [known.tag(t, False)[0][1] if len(known.tag(t, False)) == 1 else "x" for t in g]
    return all(t in NOUNISH or t == "v" for t in tags[:-1]) and tags[-1] in NOUNISH


def mine(texts: list[str], stop: set[str], known: rjieba.Jieba) -> tuple[dict[str, int], int]:
    """Candidate words: jieba-split sequences that act as one word (see module doc)."""
    uni: Counter[str] = Counter()
    grams: Counter[tuple[str, ...]] = Counter()
    docs: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        toks = known.cut(text)
        uni.update(toks)
        seen = set()
        for n in (2, 3):
            for i in range(len(toks) - n + 1):
                g = tuple(toks[i:i + n])
                s = "".join(g)
                if 2 <= len(s) <= 5 and _HAN.match(s):
                    grams[g] += 1
                    seen.add(g)
        docs.update(seen)
    n_tok = sum(uni.values())
    cands = {g for g, c in grams.items()
             if c >= 40 and docs[g] >= 25 and _compound(g, stop, known)}
    left: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    right: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for text in texts:
        toks = ["<s>"] + known.cut(text) + ["</s>"]
        for n in (2, 3):
            for i in range(1, len(toks) - n):
                g = tuple(toks[i:i + n])
                if g in cands:
                    left[g][toks[i - 1]] += 1
                    right[g][toks[i + n]] += 1

    def entropy(c: Counter[str]) -> float:
        t = sum(c.values())
        return -sum(v / t * math.log2(v / t) for v in c.values())

    out: dict[str, int] = {}
    for g in cands:
        c = grams[g]
        pmi = math.log2(c * n_tok ** (len(g) - 1) / math.prod(uni[t] for t in g))
        if pmi < 5 or entropy(left[g]) < 1.5 or entropy(right[g]) < 1.5:
            continue
        w = "".join(g)
        if w in BLOCKLIST or known.has_word(w):
            continue
        out[w] = out.get(w, 0) + c
    return out, n_tok


def main() -> None:
    stop = build_stopwords()
    (HERE / "stopwords.txt").write_text(
        "# voc stopwords, built by models/segment/build.py (see README.md)\n"
        + "\n".join(stop) + "\n", encoding="utf-8")
    print(f"stopwords: {len(stop)}", file=sys.stderr)

    tk = jieba.Tokenizer()
    tk.initialize()
    total = tk.total
    j = rjieba.Jieba()
    if not DATA.exists():
        sys.exit(f"{DATA} not found: the mined part of the dictionary needs ../shared/data")
    texts = _texts()
    mined, n_tok = mine(texts, set(stop), j)
    scale = total / max(n_tok, 1)
    joined = "\n".join(texts)

    def freq_for(word: str) -> int:
        n = joined.count(word)
        need = int(tk.suggest_freq(word, False)) + 1
        return int(min(max(n * scale, need, 100), 50_000))

    lines = ["# voc domain dictionary: word freq pos (jieba format). Built by build.py; see README.md",
             "# --- curated customer-service and review vocabulary"]
    done = set()
    for w, pos in CURATED.items():
        if re.fullmatch(r"[A-Za-z0-9]+", w):
            # letter/digit runs are kept whole by both engines already; in the
            # DAG, 12315 would split 13912315678. Tag only.
            lines.append(f"{w} {pos}")
        elif w in tk.FREQ and tk.FREQ[w] > 0:
            # known word: jieba's frequency, raised to our corpus rate when
            # that is higher (网速 must beat 宽带网 + 速)
            need = int(tk.suggest_freq(w, False)) + 1
            lines.append(f"{w} {max(tk.FREQ[w], need, min(freq_for(w), 50_000))} {pos}")
        else:
            lines.append(f"{w} {freq_for(w)} {pos}")
        done.add(w)
    lines.append("# --- mined from ../shared/data (see README.md)")
    for w in sorted(mined, key=lambda w: (-mined[w], w)):
        if w not in done:
            lines.append(f"{w} {freq_for(w)} {_mined_pos(w, j)}")
            done.add(w)
    lines.append("# --- POS fixes for jieba's dictionary (tag only)")
    for w, pos in POS_FIXES.items():
        if w not in done:
            lines.append(f"{w} {pos}")
    (HERE / "voc_dict.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"voc_dict: {len(done)} words ({len(mined)} mined)", file=sys.stderr)


def _mined_pos(word: str, j: rjieba.Jieba) -> str:
    """Tag of a mined word: the tag of its last part (head of a Chinese compound)."""
    tags = [t for _, t in j.tag(word, False)]
    last = tags[-1] if tags else "n"
    return {"a": "a", "v": "v", "vn": "vn", "d": "d", "l": "l", "i": "i"}.get(last, "n")


if __name__ == "__main__":
    main()
