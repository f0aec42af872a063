"""Forbidden phrases (合规): promises of returns or of no risk, promises of effect, the absolute terms of the
advertising law (广告法 第九条: 最, 第一, 国家级 ...), pressure selling and disparaging competitors.

A pattern is literal text where `*` stands for a short gap inside one clause (保证*收益 matches 保证您的收益),
`(a|b)` for alternatives and `(a|b)?` for optional words. Text is normalised first (practice.engine.text.normalise: traditional to simplified,
full-width forms, spaces between Chinese characters), so 這款產品保證收益 and ＲＩＳＫ－ＦＲＥＥ are matched.

A match is not a violation when
- its clause negates it before (不能保证收益, 没有产品是零风险的, nobody can guarantee returns) or right after
  (保证收益是不可能的), or the next clause refutes it (稳赚不赔？不存在的); words that contain a negation
  character without negating (别家, 不但, 不仅, 非常 ...) are not negations, so 不但保本 is a violation;
- it is quoted: the salesperson repeats the customer's words ("您问是不是零风险", "you asked whether it's
  risk-free") or asks about them (a question is no promise). Judged from the reply's own words: a repeated
  customer line that is then refuted is caught by the refutation rule above.
Harmless words that contain an absolute term (最近, 最好先, 第一步, 第一时间 ...) are masked before matching.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from practice.engine.text import CLAUSE_BREAK, clause_bounds, has_cjk, normalise

GAP_ZH = 8
GAP_EN = 30
NEGATION_WINDOW_ZH = 10
# 不但/不仅 etc. contain 不 but do not negate; 别家/别人 contain 别.
NOT_NEGATIONS_ZH = (
    "不但", "不仅", "不光", "不只", "不单", "不少", "不错", "不断", "不管", "不论", "不用担心", "不必担心", "不好意思",
    "不客气", "不止", "不久", "不同", "不如", "别家", "别人", "别的", "别处", "非常", "未来", "无论", "除非", "没错",
    "没问题", "不用犹豫", "毫不", "不得不",
)  # fmt: skip
NEGATIONS_ZH = (
    "不",
    "没",
    "无法",
    "别",
    "未",
    "非",
    "勿",
    "谁也",
    "难以",
    "并非",
    "绝非",
    "杜绝",
    "禁止",
    "避免",
    "不要",
)
NEGATIONS_EN = {
    "not", "no", "never", "cannot", "can't", "won't", "nobody", "don't", "doesn't", "nor", "neither", "nothing",
    "none", "isn't", "aren't", "wasn't", "without", "avoid", "shouldn't", "wouldn't", "couldn't",
}  # fmt: skip
# Said after the phrase in the same clause: the phrase is being ruled out (保证收益是违规的), not promised.
AFTER_NEGATIONS = ("是不可能", "不可能", "做不到", "违规", "不允许", "违法", "不合规", "不现实", "不存在", "是假的", "是骗人", "是误导", "都是骗", "不能信", "别信")  # fmt: skip
AFTER_NEGATIONS_EN = (
    "is impossible", "is not possible", "isn't possible", "is not allowed", "isn't allowed", "are not allowed",
    "aren't allowed", "is not permitted", "isn't permitted", "is illegal", "is against", "doesn't exist",
    "does not exist", "is a myth", "isn't true", "is not true", "is false", "is misleading",
)  # fmt: skip
# The next clause refutes what was just said (稳赚不赔？不是的).
REFUTE_NEXT = re.compile(r"^\s*(?:不是|并不|并非|没有这回事|不存在|不可能|那不可能|不对|当然不|no\b|not\b|it isn't|it is not|that's not|that is not|nope)", re.I)  # fmt: skip
# The salesperson quotes the customer or a rumour before the phrase.
QUOTE_MARKERS_ZH = ("您问", "你问", "您是问", "您是想问", "您说", "你说", "您提到", "你提到", "您担心", "你担心", "您是担心", "您的意思是", "您听说", "你听说", "有人说", "别人说", "网上说", "所谓", "号称", "宣传说", "说什么", "问是不是", "问有没有")  # fmt: skip
QUOTE_EXCLUDED_ZH = ("您说得对", "您说的对", "你说得对", "您说得没错", "您说的没错")
QUOTE_MARKERS_EN = re.compile(r"\b(?:you asked|you ask|you're asking|you are asking|you said|you mentioned|you heard|you wonder|you're wondering|asked whether|asked if|some people say|people say|so-called|claims? of|claims? that)\b", re.I)  # fmt: skip
QUESTION_TAIL_ZH = ("吗", "是不是", "有没有", "对不对", "能不能", "会不会")

# Words that contain an absolute term but say nothing absolute: masked before matching.
HARMLESS_ZH = (
    "最近", "最后", "最好先", "最好您", "您最好", "你最好", "最晚", "最早", "最迟", "最多", "最少", "最终",
    "最起码", "最低要求", "最基本", "最快明天", "最快今天", "最快下周", "最快也要", "第一步", "第一次", "第一时间", "第一天", "第一年", "第一期", "第一个月", "第一点",
    "第一条", "第一批", "第一阶段", "第一位", "第一要务", "第一考虑", "唯一需要", "唯一要", "绝对值", "差不多", "差距",
    "首先", "首付", "首期", "首个月", "首选方案", "顶级配置表", "最快的话", "最好的办法", "最好的方式", "最好的做法",
    "最安全的做法", "最稳妥", "最佳实践", "垃圾分类", "垃圾邮件", "垃圾短信", "垃圾桶",
)  # fmt: skip
HARMLESS_EN = re.compile(r"\b(?:at (?:the )?(?:latest|earliest|most|least)|best regards|first of all|first step|the first time|for the first time|at first|number one priority|sure thing)\b", re.I)  # fmt: skip

SEVERITY = {
    "financial_promise": "blocker",
    "efficacy_promise": "blocker",
    "disparagement": "blocker",
    "absolute_claim": "warning",
    "pressure": "warning",
}


@dataclass(frozen=True)
class Hit:
    pattern: str
    severity: str
    sentence: str
    match: str
    note: str = ""
    rule: str = "custom"


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> re.Pattern:
    if pattern.startswith("re:"):  # the lexicon's own regular expressions (not offered to trainers)
        return re.compile(pattern[3:], re.IGNORECASE)
    pattern = normalise(pattern)
    cjk = has_cjk(pattern)
    gap = GAP_ZH if cjk else GAP_EN
    breaks = re.escape(CLAUSE_BREAK)
    pieces = []
    for part in pattern.split("*"):
        part = part if cjk else part.strip()
        if not part:
            continue
        # (a|b) alternatives; everything else literal
        tokens = re.split(r"(\([^()]*\)\??)", part)
        body = ""
        for token in tokens:
            optional = token.endswith(")?")
            inner = token[1:-2] if optional else token[1:-1]
            if token.startswith("(") and token.endswith((")", ")?")):
                alternatives = "|".join(re.escape(t.strip() if not cjk else t) for t in inner.split("|"))
                body += f"(?:{alternatives})" + ("?" if optional else "")
            else:
                body += re.escape(token)
        pieces.append(body)
    body = rf"[^{breaks}]{{0,{gap}}}".join(pieces)
    if not cjk:
        body = r"(?<![a-z])" + body.replace(r"\ ", r"\s+") + r"(?![a-z])"
    return re.compile(body, re.IGNORECASE)


def _mask(text: str) -> str:
    """Harmless words replaced by placeholders of the same length (positions stay valid)."""
    for word in HARMLESS_ZH:
        if word in text:
            text = text.replace(word, "·" * len(word))
    return HARMLESS_EN.sub(lambda m: "·" * len(m.group(0)), text)


def is_negated(text: str, start: int, end: int) -> bool:
    begin, finish = clause_bounds(text, start, end)
    before = text[begin:start]
    after = text[end:finish].strip().lower()
    rest = text[finish + 1 :] if finish < len(text) else ""
    if REFUTE_NEXT.match(rest) and text[finish : finish + 1] in "?？。.!！，,":
        return True
    if has_cjk(text[start:end]):
        window = before[-NEGATION_WINDOW_ZH:]
        for phrase in NOT_NEGATIONS_ZH:
            window = window.replace(phrase, "")
        if any(n in window for n in NEGATIONS_ZH):
            return True
        return any(a in after for a in AFTER_NEGATIONS) or after.endswith("不可能的")
    words = re.findall(r"[a-z']+", before.lower().replace("’", "'"))[-6:]
    if NEGATIONS_EN.intersection(words) or any(w.endswith("n't") for w in words):
        return True
    if "no one" in " ".join(words):
        return True
    return any(a in after for a in AFTER_NEGATIONS_EN)


def is_quoted(text: str, start: int, end: int) -> bool:
    """The phrase is the customer's (or a rumour's) words repeated, or asked about: no promise is made."""
    before = text[:start]
    clause_begin, clause_end = clause_bounds(text, start, end)
    clause = text[clause_begin:clause_end]
    if any(m in before for m in QUOTE_MARKERS_ZH) and not any(x in before for x in QUOTE_EXCLUDED_ZH):
        return True
    if QUOTE_MARKERS_EN.search(before):
        return True
    if text[clause_end : clause_end + 1] in ("?", "？") or clause.rstrip().endswith(QUESTION_TAIL_ZH):
        return True
    return False


def find_violations(sentences: list[str], forbidden: list[dict]) -> list[Hit]:
    """At most one hit per pattern and sentence; patterns from the lexicon carry their rule."""
    hits: list[Hit] = []
    for sentence in sentences:
        text = _mask(_unspace(normalise(sentence)))
        for item in forbidden:
            pattern = item.get("pattern", "")
            if not pattern.replace("*", "").strip():
                continue
            rule = item.get("rule", "custom")
            for m in compile_pattern(pattern).finditer(text):
                if _gap_negates(pattern, m.group(0)) or is_negated(text, m.start(), m.end()):
                    continue
                if is_quoted(text, m.start(), m.end()):
                    continue
                severity = item.get("severity") or SEVERITY.get(rule, "blocker")
                hits.append(Hit(pattern, severity, sentence, m.group(0), item.get("note", ""), rule))
                break
    return _longest(hits)


SPACED = re.compile(r"(?<![A-Za-z])((?:[A-Za-z%-] ){3,}[A-Za-z%-])(?![A-Za-z])")


def _unspace(text: str) -> str:
    """Letters spaced out to slip past a filter ("r i s k - f r e e") joined again."""
    return SPACED.sub(lambda m: m.group(1).replace(" ", ""), text)


GAP_NEGATIONS = re.compile(r"不|没|无|未|非|别|\bnot\b|n't|\bno\b|\bnever\b", re.I)


def _gap_negates(pattern: str, matched: str) -> bool:
    """The words a `*` let in negate the phrase (收益不确定 for (收益|回报)*确定): more negations in the match
    than in the pattern's own words."""
    if pattern.startswith("re:"):  # a regular expression says exactly what it matches
        return False
    return len(GAP_NEGATIONS.findall(matched)) > len(GAP_NEGATIONS.findall(pattern))


def _longest(hits: list[Hit]) -> list[Hit]:
    """One hit per overlapping phrase (稳赚不赔 and 稳赚 in the same words count once), the most severe kept."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.severity != "blocker", -len(h.match))):
        if not any(hit.sentence == k.sentence and (hit.match in k.match or k.match in hit.match) for k in kept):
            kept.append(hit)
    return kept


def _entries(rule: str, patterns: str) -> list[dict]:
    return [{"pattern": p, "rule": rule} for p in patterns.split("\n") if p.strip() and not p.startswith("#")]


# The maintained default lexicon, used by every scenario unless its trainer turns it off; a scenario adds its
# own entries in `forbidden` (rule "custom"). Chinese from the advertising law and the financial, insurance and
# health-product sales rules; English for the same promises. One pattern per line.
_FINANCIAL = r"""稳赚
稳赚不赔
只赚不赔
包赚
躺赚
躺着赚
只涨不跌
肯定(会|能)?涨
一定(会|能)?涨
必涨
稳涨
保证*(涨|升值|增值)
不会亏
亏不了
绝不(会)?亏
不可能亏
不会赔钱
赔不了
保本
保息
保底收益
保底*(回报|利息|收益)
保证*(收益|回报|利息|分红|赚)
(收益|回报|分红)*(保证|有保障|是确定的|肯定有|一定有|稳定在)
承诺*(收益|回报)
年化*(稳定|保证|固定)
零风险
无风险
没有(任何|一点|一点儿|什么)?风险
毫无风险
风险*为零
绝对*安全
(百分之百|百分百)*(安全|赚|收益|回报)
100%*(安全|赚|收益|回报|保本)
打包票
打包*票
拍胸脯
刚兑
刚性兑付
(收益|钱)*翻(倍|番)
闭(着)?眼(睛)?(买|投)
本金*(绝对|百分百|保证|肯定)*(安全|没事|不会少)
肯定*(赚|能赚|赚钱)
一定*(赚|能赚|赚钱)
(什么|啥)*都(能)?赔
保证*(理赔|赔付|能赔)
包赔
保底
(本金|收益|亏损|风险)*兜底
不会不(赚|涨|赔)
(从来|从)?没(有)?亏(过|损过)
板上钉钉
十拿九稳
稳稳(的|地)?赚
(收益|回报|分红)*(100%|百分之百|百分百)*确定
(收益|回报|分红)*(是)?(确定|固定|稳定)的
(回本|收益|回报)*guaranteed
re:guaranteed\s+\d+(?:\.\d+)?\s*%
re:\bguarantee[sd]?\s+(?:you|your|that)\b
no downside
worst case*break even
can't go wrong
guarantee* (return|returns|profit|profits|income|gain|gains|yield)
guaranteed (return|returns|profit|profits|income|gain|gains|yield)
risk-free
risk free
re:\bno risk\b(?!-)
zero risk
without any risk
(can't|cannot|can not|won't|will not|never) lose( any| your)? (money|a penny|a cent|anything|a dime)
lose nothing
(definitely|certainly|surely) (go up|rise|grow|increase|make money)
only (go|goes) up
always (go|goes) up
guaranteed to (rise|grow|go up|pay|make|double|earn)
double your money
(principal|capital) is (safe|protected|guaranteed)
100% (safe|guaranteed|secure)
money-back on (returns|profits)
稳稳*(百分之|%|个点)
一分(钱)?(都|也)?(不会)?(少|不少)
(本金|本钱|钱)*(不会|没有|不会有)*(损失|亏)
连本带利
(担保|包您|包你)*(涨|翻|收益|赚|回本)
翻一番
铁定
(公司|银行|我们)*兜着
等着收钱
不会亏本
年年都(赚|涨|有收益)
(不可能|不会)赔
(收益|回报|利息)*(雷打不动|旱涝保收)
旱涝保收
稳拿
(跟|和)存(定期|银行)一样*(安全|保本|稳)
re:\bsteady\s+\d+(?:\.\d+)?\s*(?:%|percent)
re:\bno matter what the market
re:\b(?:completely|totally|perfectly|100%)\s+safe\b
re:\b(?:can't|cannot|won't|will not|never)\s+lose\s+a\s+(?:cent|penny|dime|thing)
re:\b(?:will|is going to|gonna)\s+(?:double|triple)\b
re:\bno way (?:you(?:'ll| will)?|you could|you can) lose\b
re:\b(?:i|we)\s+(?:promise|guarantee)\s+(?:you\s+)?(?:this|it|the fund|your money|you(?:'ll| will))\b"""
_EFFICACY = r"""根治
包治
药到病除
(无|没有|零)副作用
治愈率*(100|百分之百|百分百)
(百分之百|百分百|100%)*(有效|治愈|见效)
保证*(有效|治好|见效|康复)
永不复发
一次*(根治|见效)
(替代|代替)*(药物|吃药|治疗)
神药
(cure|cures|cured) (it|your|the|any|all)
no side effects
100% effective
guaranteed to (work|cure|heal)
miracle (cure|product)
保证*(考|通过|满分|提分|痊愈|不复发)
彻底(疏通|治好|根除|治愈|清除)
断根
(能|可以|一定能|保证能)治(好|愈)
治好了*(病|人|患者)
不复发
疏通血管
(cure|cures|cured) (diabetes|cancer|high blood pressure)
疗程*(彻底|根治|好了|痊愈|康复)
彻底好(了)?
(代替|替代|取代)*药
不用(再)?吃药
(停|停掉)*(降压药|降糖药|药)
保证*(提高|提升|提分|涨分)
re:\b(?:get|come|take) (?:you )?off (?:your |the )?(?:pills|medication|meds|tablets)\b
re:\breplaces? your (?:pills|medication|meds|tablets)\b"""
_ABSOLUTE = r"""最(安全|便宜|低|好|强|先进|专业|优秀|划算|实惠|可靠|稳定|耐用|权威|正宗|靠谱|快|优惠|齐全|全面)的
(本市|全市|同级别|同级|同类|市场上|业内|行业内)*最
(别的|别家|其他|其他家|谁家|谁)*(都)?比不上
绝对(的|没问题|放心|划算|靠谱|安全|正品|是最)
最好的(产品|品牌|选择|服务|车|保险|方案|设备|材料|线缆|电缆|理财|性价比)
最佳
最低价
最便宜
最优惠
最高级
最先进
最安全
最强
最大的(品牌|厂家|供应商)
(全网|全国|全市|全省|全球|世界|行业|业内|史上|市面上)最
(全国|行业|业内|销量|排名|市场|品牌)第一
第一品牌
(是|排)第一
第一名
唯一
独家
顶级
国家级
世界级
极品
万能
永久(有效|免费|保修)
首选
首家
遥遥领先
无敌
零缺陷
(best|top|number one|no. 1) (in the world|on the market|in the market|in the country|in the industry)
the best (product|brand|choice|price|deal)
(the )?cheapest
lowest price
number one
the only (product|company|brand) (that|which|on|in)
unbeatable
world-class
(全行业|全国|全球|全世界|业内|行业)*(最顶尖|最领先|最好|最强|最大)
没人(能)?比得(过|上)
无人能及
天下第一
(全球|世界|国际|行业|国内)领先
绝无仅有
没有之一
re:\bhands down the best\b
re:\bthe best\s+\w+(?:\s+\w+)?\s+in the (?:country|world|market|industry|city|business)\b
re:\bnobody (?:can )?(?:beats?|comes close)"""
_PRESSURE = r"""今天不(买|签|定|订|下单)
(现在|再|今天)不(买|签|定|订|下单)*就
过了今天
错过*(就没有|就没了|再也|不再)
最后一个名额
最后*名额
(名额|库存)*只剩
只剩*(名额|最后|一个|一台|一套)
仅限今天
只有今天
(马上|明天|下周)*涨价
不买*后悔
机不可失
抓紧*(下单|签|定|订)
赶紧*(下单|签|定|订)
别犹豫了
再犹豫*就
(其他|别的)客户*(抢|订走|定走)
last chance
today only
only today
(buy|sign|order) (it )?(today|now) or
(price|prices) (goes|go|will go) up tomorrow
only one left
last one left
before it's gone
you'll regret
offer expires today
机会只有一次
(错过|过了)*(就)?(不会再有|没有了|没了|再也没有)
(价格|优惠|名额|日子|机会|房源|这套)*(就|早就)?(没了|没有了)
(明天|回头|过两天)*(被别人|被人)*(订走|买走|抢走|定走)
替您着急
only good until
until I hang up
today or never
只到今(晚|天)
今晚*(截止|结束|恢复)
(明天|明早|明儿)*(恢复原价|就涨|涨回去|就没)
恢复原价
另一个价
就剩(这)?(最后)?
今天(就)?截止
过了(今天|今晚|这个村)?就(不可能|不会|没有|没)
(被别人|被人|别人)*(提走|买走|抢走|订走|定走|拿走)
赶(快|紧)*(交|付|签|定|订|下单|把)
别(想|考虑|犹豫)了
(定金|订金)*交了
re:\b(?:disappears?|ends?|expires?|goes away)\s+(?:at midnight|tonight|today|after today|at the end of (?:the|this) call)
re:\bsign (?:tonight|today|right now|now)\b
re:\bsomeone else will (?:take|buy|grab|snap)
re:\b(?:only|can only) (?:hold|keep) (?:this|the) (?:offer|price|deal)
re:\buntil the end of (?:the|this) call\b
re:\bwon't last\b"""
_DISPARAGEMENT = r"""垃圾
骗子
坑人
破烂
烂货
智商税
割韭菜
骗人
黑心
假货
山寨
(那个牌子|那家|他们家|别家|竞品|对手|友商)*(伤肝|伤身|有毒|不安全|出过事|不会碰|没人买|吃出问题)
懂行的(人)?都不会
(别家|他家|他们家|那家|竞品|对手|友商|同行|人家|别的牌子|其他品牌)*(差劲|很差|太差|烂|不行|不靠谱|坑|骗|一堆问题|问题很多|比不上|没法比|不能比)
junk
garbage
scam
rip-off
ripoff
crap
rubbish
con artists
(their|competitor's|competitors'|the other) * (is|are) (rubbish|terrible|awful|trash|useless|worthless)
摆设
散架
(快|要)倒闭
半成品
谁用谁后悔
瞎吹
次品
劣质
偷工减料
回收铜
迟早(着火|出事|出问题|坏)
忽悠
re:(?:隔壁|那家|那个牌子|他们(?:公司|家)|友商|竞品|别家|对手|同行|其他(?:品牌|公司|家))[^。！？!?]{0,20}(?:摆设|散架|倒闭|后悔|次品|着火|忽悠|没人赔|找不到人|不靠谱|靠不住|不行|太差|很差)
re:\b(?:their|the other (?:vendor|company|brand|guys)|competitors?'?s?|those guys)\b[^.!?]{0,40}\b(?:a joke|junk|crooks?|rip you off|scam|terrible|useless|awful|garbage|rubbish|dodgy|falls? apart)\b
re:\b(?:piece of junk|they'll rip you off|rip you off)\b"""


@lru_cache(maxsize=1)
def default_lexicon() -> list[dict]:
    return [
        *_entries("financial_promise", _FINANCIAL),
        *_entries("efficacy_promise", _EFFICACY),
        *_entries("disparagement", _DISPARAGEMENT),
        *_entries("absolute_claim", _ABSOLUTE),
        *_entries("pressure", _PRESSURE),
    ]


# The earlier name, kept for code that reads the default list.
DEFAULT_FORBIDDEN = default_lexicon()
