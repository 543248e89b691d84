"""Text material of the demo company: people's names and free-text templates in Chinese and English.

Free text is composed from phrase banks keyed by language, aspect and sentiment, so the generator knows the
ground-truth aspect and sentiment of every text it writes (``docs/demo.md``). ``{p}`` in a phrase is
replaced by a short product name in the text's language.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ASPECTS",
    "PHRASES",
    "SENTIMENTS",
    "SUGGESTIONS",
    "TICKET_SUBJECTS",
    "chinese_names",
    "company_names",
    "compose",
    "english_names",
    "ticket_texts",
]

#: aspect codes, in the order used for probability vectors (物流 / 价格 / 客服 / 质量 / 售后 / App·连接)
ASPECTS: tuple[str, ...] = ("delivery", "price", "service", "quality", "after_sales", "connectivity")
SENTIMENTS: tuple[str, ...] = ("positive", "negative", "neutral")

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程")
_GIVEN_F = list("芳娜敏静丽艳娟秀霞英玉萍红玲芬燕欣怡雨思佳琪婷雪梅琳颖莉")
_GIVEN_M = list("伟强磊军洋勇杰涛明超刚华鹏辉宇浩然轩博文斌凯亮峰俊建志")
_FIRST_EN_F = (
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Emma",
    "Olivia",
    "Sophie",
    "Chloe",
    "Mia",
    "Hannah",
)
_FIRST_EN_M = (
    "James",
    "John",
    "Robert",
    "Michael",
    "David",
    "William",
    "Richard",
    "Thomas",
    "Daniel",
    "Matthew",
    "Lucas",
    "Noah",
    "Liam",
    "Ethan",
    "Oliver",
)
_LAST_EN = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "Lee",
    "Walker",
    "Hall",
    "Allen",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Tan",
    "Nguyen",
    "Schmidt",
    "Müller",
    "Rossi",
)
#: city characters for company names, per region (华东, 华北, 华南, 西部)
_CITY_ZH = ("沪杭苏宁甬", "京津冀鲁晋", "粤深闽桂琼", "蓉渝陕滇黔")
_WORD_ZH = (
    "华信",
    "中科",
    "瑞康",
    "恒达",
    "启明",
    "博雅",
    "嘉禾",
    "天成",
    "云帆",
    "智远",
    "安和",
    "鼎盛",
    "长青",
    "汇通",
    "星河",
    "百川",
)
_INDUSTRY_SUFFIX = {
    "医疗": ("医疗器械", "健康管理", "医院管理"),
    "零售": ("商贸", "连锁超市", "百货"),
    "科技": ("信息技术", "网络科技", "软件"),
    "教育": ("教育科技", "培训学校", "文化传播"),
}
_WORD_EN = (
    "Northwind",
    "Bluebay",
    "Evergreen",
    "Summit",
    "Harbor",
    "Crescent",
    "Pioneer",
    "Maple",
    "Atlas",
    "Silverline",
    "Brightwater",
    "Redwood",
)
_INDUSTRY_EN = {"医疗": "Health", "零售": "Retail", "科技": "Tech", "教育": "Learning"}

#: PHRASES[language][aspect][sentiment]: clauses without final punctuation
PHRASES: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "zh": {
        "delivery": {
            "positive": (
                "物流很快，隔天就到了",
                "快递小哥送货上门，态度也好",
                "下单第二天就收到了，包装完好",
                "配送速度超出预期",
                "发货及时，物流信息更新也很准",
                "{p}第二天就送到了，安装也顺利",
                "顺丰送的，又快又稳",
            ),
            "negative": (
                "物流太慢了，等了一个多星期才到",
                "快递一直显示运输中，催了好几次都没用",
                "配送延误，说好的三天到结果拖了十天",
                "包装破损，{p}外壳都磕坏了",
                "快递员没打电话就放驿站了",
                "发货特别慢，下单五天了还没发出",
                "换了快递公司以后送货明显变慢",
            ),
            "neutral": (
                "物流速度一般，三四天到货",
                "快递正常送达，没什么特别的",
                "配送时间和预计的差不多",
                "发货速度中规中矩",
                "{p}按时到了，包装普通",
            ),
        },
        "price": {
            "positive": (
                "价格很实惠，性价比高",
                "活动价入手，很划算",
                "这个价位能买到这样的{p}很值",
                "双十一买的，比平时便宜不少",
                "价格公道，比同类产品便宜",
            ),
            "negative": (
                "价格偏贵，性价比不高",
                "刚买完就降价了，也不给保价",
                "云存储还要另外收费，太坑了",
                "同样配置别家便宜好几百",
                "会员价也没便宜多少",
                "配件价格贵得离谱",
            ),
            "neutral": (
                "价格和其他品牌差不多",
                "价格中规中矩，等活动再买更合适",
                "这个价位还算正常",
                "不算便宜也不算贵",
                "价格能接受",
            ),
        },
        "service": {
            "positive": (
                "客服态度很好，耐心解答了所有问题",
                "在线客服回复很快，专业又热情",
                "客服小姐姐很耐心，一步步教我设置{p}",
                "电话客服很专业，几分钟就帮我解决了",
                "客服主动回访，体验很好",
            ),
            "negative": (
                "客服态度很差，问了半天答非所问",
                "客服回复太慢，等了两个小时才有人理",
                "打客服电话一直占线，根本打不进去",
                "客服只会复制粘贴模板回复",
                "客服推来推去，没人负责",
                "在线客服一直是机器人，转人工太难了",
            ),
            "neutral": (
                "客服回复还算及时",
                "客服态度一般，问题最后解决了",
                "和客服沟通了一下，按流程处理",
                "客服给了几个建议，还在尝试",
                "客服说会反馈给技术部门",
            ),
        },
        "quality": {
            "positive": (
                "{p}做工精致，质感很好",
                "{p}用了半年一直很稳定",
                "识别很灵敏，{p}很好用",
                "音质很好，低音很足",
                "吸力很强，扫得很干净",
                "夜视效果清晰，画质很好",
            ),
            "negative": (
                "{p}用了不到一个月就坏了",
                "{p}经常误报，晚上老是响",
                "电池续航太差，两天就没电了",
                "{p}做工粗糙，有明显缝隙",
                "指纹识别经常失败，开门要试好几次",
                "扫地机老是卡在桌脚下面",
            ),
            "neutral": (
                "{p}功能够用，没有惊喜",
                "{p}质量还行，跟描述一致",
                "用了几天，暂时没发现问题",
                "{p}和上一代差别不大",
                "做工一般，能用",
            ),
        },
        "after_sales": {
            "positive": (
                "售后很给力，第二天就上门换了新的",
                "保修期内免费维修，很省心",
                "退货很顺利，退款很快就到账了",
                "售后师傅上门安装很专业",
                "换货流程简单，三天就搞定了",
            ),
            "negative": (
                "售后太差，报修两周了还没人上门",
                "申请退货一直被拒，理由很牵强",
                "维修要寄回厂家，等了一个月",
                "退款迟迟不到账，售后电话也打不通",
                "上门安装师傅迟到还乱收费",
                "保修期内坏了还要我自己出运费",
            ),
            "neutral": (
                "售后按流程处理，等了几天",
                "已经申请了换货，还在等结果",
                "售后说需要寄回检测",
                "维修结果还行，就是时间有点长",
                "退货流程正常",
            ),
        },
        "connectivity": {
            "positive": (
                "App很好用，配网一次就成功",
                "连接很稳定，远程控制没延迟",
                "App界面简洁，场景联动设置方便",
                "{p}和音箱联动很顺畅",
                "固件更新后连接更稳定了",
            ),
            "negative": (
                "App经常闪退，根本用不了",
                "{p}老是掉线，要重新配网",
                "Wi-Fi连接不上，试了很多次都失败",
                "App推送延迟严重，告警过了半小时才收到",
                "更新固件后{p}就连不上了",
                "App登录总是提示网络错误",
            ),
            "neutral": (
                "App功能比较基础，够用",
                "配网步骤有点多，不过最后连上了",
                "连接偶尔会断，重启后恢复",
                "App界面一般，希望再优化",
                "远程控制有时有点延迟",
            ),
        },
    },
    "en": {
        "delivery": {
            "positive": (
                "delivery was super fast, it arrived the next day",
                "it arrived well packed and early",
                "shipping was quick and tracking was accurate",
                "the courier was friendly and on time",
                "got my {p} two days after ordering",
            ),
            "negative": (
                "shipping took forever, almost two weeks",
                "the package was stuck in transit for days",
                "the box arrived damaged and the {p} was scratched",
                "delivery was late and nobody answered my emails",
                "still waiting for my order after ten days",
            ),
            "neutral": (
                "delivery took about four days, as expected",
                "shipping was okay, nothing special",
                "it arrived on the estimated date",
                "standard delivery, standard packaging",
            ),
        },
        "price": {
            "positive": (
                "great value for the money",
                "got it on sale at an excellent price",
                "much cheaper than a comparable {p}",
                "affordable and does the job",
                "worth every penny",
            ),
            "negative": (
                "overpriced for what you get",
                "the cloud subscription costs extra, what a rip-off",
                "the price dropped a week after I bought it",
                "competitors offer more for less",
                "accessories are way too expensive",
            ),
            "neutral": (
                "the price is about the same as other brands",
                "reasonably priced but not a bargain",
                "the price is fair",
                "wait for a sale if you can",
            ),
        },
        "service": {
            "positive": (
                "support was friendly and patient",
                "the agent solved my issue in minutes",
                "customer service replied quickly and knew the {p} well",
                "very helpful support team",
                "chat support walked me through the setup",
            ),
            "negative": (
                "customer service was rude and unhelpful",
                "I waited hours for a reply from support",
                "support keeps sending copy-paste answers",
                "could not reach anyone on the hotline",
                "the agent closed my case without fixing anything",
            ),
            "neutral": (
                "support answered, but it took a while",
                "the agent gave me a few things to try",
                "customer service escalated my question",
                "support was okay",
            ),
        },
        "quality": {
            "positive": (
                "the {p} feels premium and works flawlessly",
                "rock solid after six months of daily use",
                "sound quality is excellent",
                "suction power is impressive, floors are spotless",
                "night vision is crystal clear",
            ),
            "negative": (
                "the {p} stopped working after three weeks",
                "battery life is terrible",
                "too many false alarms at night",
                "the fingerprint reader fails half the time",
                "build quality feels cheap",
            ),
            "neutral": (
                "the {p} works as described",
                "decent quality, nothing special",
                "similar to the previous model",
                "no problems so far after a few days",
            ),
        },
        "after_sales": {
            "positive": (
                "the warranty replacement arrived in two days",
                "the return was easy and the refund quick",
                "the technician installed it professionally",
                "they replaced my faulty {p} without any hassle",
                "the repair was free and fast",
            ),
            "negative": (
                "my warranty claim has been pending for weeks",
                "my return request was rejected for no reason",
                "refund still not received after a month",
                "I had to pay shipping to send it in for repair",
                "nobody showed up for the installation appointment",
            ),
            "neutral": (
                "sent it in for repair, waiting for the result",
                "the return is being processed",
                "after-sales asked me to send it back for inspection",
                "the replacement took a week, which is acceptable",
            ),
        },
        "connectivity": {
            "positive": (
                "the app is intuitive and pairing took a minute",
                "the connection is rock solid, no lag",
                "automations are easy to set up in the app",
                "works seamlessly with my other devices",
                "the firmware update improved stability",
            ),
            "negative": (
                "the app keeps crashing",
                "the {p} drops off Wi-Fi every day",
                "could not pair it with my router at all",
                "notifications arrive half an hour late",
                "after the firmware update it won't connect",
            ),
            "neutral": (
                "the app is basic but works",
                "pairing took a few tries",
                "occasional disconnects, fixed by a restart",
                "the app could use some polish",
            ),
        },
    },
}

#: SUGGESTIONS[language][aspect]: requests for improvement (labelled neutral in the ground truth)
SUGGESTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "delivery": (
            "希望物流能再快一点",
            "建议增加预约配送",
            "建议换回原来的快递公司",
            "希望发货后能及时通知",
        ),
        "price": (
            "希望多搞点优惠活动",
            "建议云存储降价或者送一年",
            "希望老用户也能有折扣",
            "建议推出套装优惠",
        ),
        "service": (
            "建议增加人工客服的数量",
            "希望客服回复能更及时",
            "建议客服多了解一下产品知识",
            "希望晚上也有人工客服",
        ),
        "quality": ("希望{p}续航能再长一点", "建议加强产品质检", "希望{p}增加更多功能", "建议改进{p}的做工"),
        "after_sales": (
            "建议缩短维修周期",
            "希望退换货流程简化一些",
            "建议提供上门取件服务",
            "希望保修期能延长",
        ),
        "connectivity": (
            "希望App更稳定一点",
            "建议支持更多智能家居平台",
            "希望配网步骤再简单些",
            "建议App增加离线模式",
        ),
    },
    "en": {
        "delivery": (
            "please make delivery faster",
            "offer scheduled delivery slots",
            "send a notice when the order ships",
            "use a more reliable courier",
        ),
        "price": (
            "offer more discounts for existing customers",
            "include a year of cloud storage",
            "bundle deals would be nice",
            "lower the subscription price",
        ),
        "service": (
            "add more human agents to support",
            "reply faster on chat",
            "train support on the {p}",
            "offer support in the evening",
        ),
        "quality": (
            "improve the battery life of the {p}",
            "better quality control please",
            "add more features to the {p}",
            "improve the build quality",
        ),
        "after_sales": (
            "shorten repair times",
            "simplify returns",
            "offer free pick-up for repairs",
            "extend the warranty",
        ),
        "connectivity": (
            "make the app more stable",
            "support more smart-home platforms",
            "simplify pairing",
            "add an offline mode to the app",
        ),
    },
}

_OPENERS = {
    "zh": (
        "",
        "",
        "",
        "买了{p}两个月，",
        "第二次购买了，",
        "说实话，",
        "给家里装了{p}，",
        "用了一段时间，",
        "朋友推荐买的，",
        "双十一下单的，",
    ),
    "en": (
        "",
        "",
        "",
        "Bought the {p} last month. ",
        "Honestly, ",
        "Second purchase from Aurora. ",
        "Used it for a few weeks now. ",
        "A friend recommended it. ",
    ),
}
_CLOSERS = {
    "zh": {
        "positive": ("会推荐给朋友", "好评", "总体很满意", "下次还会回购"),
        "negative": ("太失望了", "不会再买了", "希望尽快解决", "给个差评"),
        "neutral": ("再观察一段时间吧", "总体还行", "凑合用吧", "看后续表现"),
    },
    "en": {
        "positive": ("would recommend", "five stars", "very happy overall", "will buy again"),
        "negative": ("very disappointed", "never buying again", "please fix this", "one star"),
        "neutral": ("we will see how it holds up", "it's fine overall", "it does the job", "time will tell"),
    },
}
_EMOJI = {
    "positive": ("👍", "😊", "❤️", "🎉"),
    "negative": ("😡", "👎", "😤", "💔"),
    "neutral": ("🤔", "😐", "🙂"),
}


def _draw(u: float, options: list[str] | tuple[str, ...] | str) -> str:
    return options[min(int(u * len(options)), len(options) - 1)]


def chinese_names(rng: np.random.Generator, female: np.ndarray) -> list[str]:
    """Plausible Chinese personal names: a common surname and one or two given characters."""
    u = rng.random((len(female), 4))
    out = []
    for f, (a, b, c, d) in zip(female, u, strict=True):
        given = _GIVEN_F if f else _GIVEN_M
        out.append(_draw(a, _SURNAMES) + _draw(b, given) + (_draw(c, given) if d < 0.6 else ""))
    return out


def english_names(rng: np.random.Generator, female: np.ndarray) -> list[str]:
    u = rng.random((len(female), 2))
    return [
        f"{_draw(a, _FIRST_EN_F if f else _FIRST_EN_M)} {_draw(b, _LAST_EN)}"
        for f, (a, b) in zip(female, u, strict=True)
    ]


def company_names(
    rng: np.random.Generator, industries: list[str], region: np.ndarray, english: np.ndarray
) -> list[str]:
    """Company names for business customers; ``region`` indexes the mainland regions, ``english`` marks
    overseas companies."""
    u = rng.random((len(industries), 3))
    out = []
    for ind, reg, en, (a, b, c) in zip(industries, region, english, u, strict=True):
        if en:
            out.append(f"{_draw(a, _WORD_EN)} {_INDUSTRY_EN[ind]} {_draw(c, ('Ltd', 'Inc.', 'GmbH'))}")
        else:
            city = _draw(a, _CITY_ZH[min(int(reg), len(_CITY_ZH) - 1)])
            out.append(f"{city}{_draw(b, _WORD_ZH)}{_draw(c, _INDUSTRY_SUFFIX[ind])}有限公司")
    return out


def _pick(options: tuple[str, ...], u: float) -> str:
    return options[min(int(u * len(options)), len(options) - 1)]


def _sentence(lang: str, parts: list[str], end: str) -> str:
    if lang == "zh":
        return "，".join(parts) + end
    text = ", ".join(parts)
    return text[:1].upper() + text[1:] + end


def compose(
    rng: np.random.Generator,
    lang: list[str],
    aspect: list[str],
    sentiment: list[str],
    product: list[str],
    *,
    style: str = "feedback",
) -> list[str]:
    """Compose one text per row from the phrase banks.

    ``style`` is ``feedback`` (opener, one or two clauses, a closer, sometimes an emoji), ``short`` (one clause,
    sometimes a closer: survey answers) or ``suggest`` (a request for improvement; ``sentiment`` is ignored).
    """
    u = rng.random((len(lang), 7))
    out = []
    for la, asp, sen, p, r in zip(lang, aspect, sentiment, product, u, strict=True):
        if style == "suggest":
            text = _sentence(la, [_pick(SUGGESTIONS[la][asp], r[0])], "。" if la == "zh" else ".")
            out.append(text.replace("{p}", p))
            continue
        bank = PHRASES[la][asp][sen]
        parts = [_pick(bank, r[0])]
        if style == "feedback" and r[1] < 0.35:
            second = _pick(bank, r[2])
            if second != parts[0]:
                parts.append(second)
        if r[3] < (0.55 if style == "feedback" else 0.2):
            parts.append(_pick(_CLOSERS[la][sen], r[4]))
        end = ("！" if la == "zh" else "!") if sen != "neutral" and r[5] < 0.3 else ("。" if la == "zh" else ".")
        text = _sentence(la, parts, end)
        if style == "feedback":
            opener = _pick(_OPENERS[la], r[6])
            if la == "en" and opener.endswith(", ") and not text.startswith("I "):
                text = text[:1].lower() + text[1:]
            text = opener + text
            if r[5] > 0.85:
                text += _pick(_EMOJI[sen], r[4])
        out.append(text.replace("{p}", p))
    return out


#: TICKET_SUBJECTS[language][ticket category]
TICKET_SUBJECTS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {
        "产品咨询": (
            "{p}支持哪些智能家居平台？",
            "想了解{p}的功能区别",
            "{p}适合多大面积的房子",
            "{p}能否离线使用",
        ),
        "价格咨询": ("{p}近期有没有优惠", "企业批量采购报价", "{p}保价政策咨询", "会员折扣怎么使用"),
        "设备连接": ("{p}无法连接Wi-Fi", "{p}频繁掉线", "{p}配网失败", "{p}离线后无法恢复"),
        "安装调试": ("预约{p}上门安装", "{p}安装后无法使用", "{p}安装位置咨询", "{p}调试失败"),
        "App问题": ("App登录失败", "App收不到告警推送", "App闪退", "App无法添加{p}"),
        "退换货": ("申请{p}退货", "{p}换货进度查询", "{p}七天无理由退货", "退款还没到账"),
        "维修": ("{p}故障报修", "{p}电池续航异常", "{p}无法开机", "{p}维修进度查询"),
        "物流查询": ("订单迟迟未发货", "快递显示签收但没收到", "物流信息长时间不更新", "{p}配送延误"),
        "投诉": (
            "投诉：客服态度差",
            "投诉：维修超时未处理",
            "投诉：退款长时间未到账",
            "投诉：安装师傅乱收费",
        ),
    },
    "en": {
        "产品咨询": (
            "Does the {p} work with HomeKit?",
            "Question about {p} features",
            "Which {p} should I buy?",
        ),
        "价格咨询": ("Discount for the {p}?", "Bulk order quote", "Price match request"),
        "设备连接": ("{p} cannot connect to Wi-Fi", "{p} keeps going offline", "Pairing failed"),
        "安装调试": ("Installation appointment for {p}", "{p} not working after installation", "Setup help"),
        "App问题": ("Cannot log in to the app", "No alert notifications", "App crashes on start"),
        "退换货": ("Return request: {p}", "Exchange status for {p}", "Refund not received"),
        "维修": ("Repair request: {p}", "{p} battery drains fast", "{p} does not turn on"),
        "物流查询": ("Where is my order?", "Package marked delivered but not received", "Delivery delayed"),
        "投诉": ("Complaint: rude support agent", "Complaint: repair overdue", "Complaint: refund delayed"),
    },
}
_TICKET_DETAILS = {
    "zh": (
        "已尝试重启设备，问题依旧。",
        "订单号见附件截图。",
        "希望尽快处理。",
        "之前已经联系过一次。",
        "请电话联系我。",
        "家里老人不会操作，麻烦详细说明。",
    ),
    "en": (
        "I already restarted the device.",
        "Order number is in the attachment.",
        "Please help asap.",
        "This is my second request.",
        "Please call me back.",
    ),
}


def ticket_texts(
    rng: np.random.Generator, lang: list[str], category: list[str], product: list[str]
) -> tuple[list[str], list[str]]:
    """A subject and a description for each ticket."""
    u = rng.random((len(lang), 2))
    subjects, descriptions = [], []
    for la, cat, p, (a, b) in zip(lang, category, product, u, strict=True):
        subject = _pick(TICKET_SUBJECTS[la][cat], a).replace("{p}", p)
        subjects.append(subject)
        sep = "，" if la == "zh" else ". "
        descriptions.append(subject.rstrip("?？") + sep + _pick(_TICKET_DETAILS[la], b))
    return subjects, descriptions
