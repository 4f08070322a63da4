"""Analyse a dozen customer texts with voc's shipped models and print the results.

Run: python examples/quickstart.py
"""

from __future__ import annotations

import voc

TEXTS = [
    "物流很快，第二天就到了，包装也很严实，好评！",
    "客服态度太差了，问了三次都没人回复，再也不买了😡",
    "軟體很好用，但網路常常斷線，有點失望",              # Taiwan traditional
    "呢部手機真係唔錯，影相好清，不過電池冇乜用",          # Hong Kong Cantonese
    "外卖送到的时候汤都洒了[怒]，商家也不给退款",
    "请问这款洗发水适合油性头发吗？",
    "酒店前台服务热情，房间干净，就是隔音一般",
    "宽带三天两头断网，打10000号也解决不了，我要去工信部投诉！",
    "信用卡被莫名扣了年费，客服说不能退，太坑了",
    "航班延误了五个小时，没有任何补偿，也没人解释",
    "不是很满意，衣服有色差，尺码也偏小",
    "性价比超高👍👍👍 已经回购第三次了",
]


def main() -> None:
    # Cantonese forms (唔, 冇, 係, 佢哋 …) are mapped to Mandarin by default;
    # voc.Pipeline(normalizer=voc.Normalizer(cantonese=False)) keeps them as written.
    p = voc.Pipeline()
    for doc in p.pipe(TEXTS):
        s, e = doc.sentiment, doc.emotion
        evidence = "、".join(f"{sp.text}({sp.weight:+.1f})" for sp in s.evidence[:3])
        print(f"{doc.raw}")
        if doc.text != doc.raw:
            print(f"  normalised : {doc.text}")
        print(f"  words      : {' / '.join(doc.words)}")
        print(f"  sentiment  : {s.label:<8} polarity {s.polarity:+.2f}  confidence {s.score:.2f}  evidence: {evidence}")
        print(f"  emotion    : {e.label}")
        print()


if __name__ == "__main__":
    main()
