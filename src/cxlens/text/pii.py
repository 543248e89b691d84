"""Personal data in free text: find it and mask it.

Detectors: Chinese mobile numbers (``1[3-9]x xxxx xxxx``, optionally ``+86``), 身份证 numbers (18 digits
with a valid ISO 7064 MOD 11-2 check digit and a plausible birth date), e-mail addresses, bank card numbers
(13–19 digits passing the Luhn check), IPv4 and IPv6 addresses, postal addresses and personal names where
recognisable:

* ``address``: Chinese addresses with a road/street and a number (建国路88号, xx弄5号, 3栋501室) — the
  province, city and district/county before them are kept, the rest is masked; English street addresses
  (221B Baker Street, Flat 3, 12 High St) are masked whole, with a following city + state/ZIP or postcode.
* ``name``: a full name after a cue — 我叫 / 我是 / 联系人 / 姓名 / 收货人 / 客户…说, "my name is", "contact:",
  "Regards,", "Dear", a title (Mr./Dr …) — with a common Chinese surname (listed here) for Chinese names.
* ``surname``: a surname before a title (张先生, 王经理, 刘医生) or after 我姓, masked as 某 (某先生).

Without a cue no name is guessed: 紧张 and 王者荣耀 are left alone.

>>> mask("请联系 13812345678 或 li.na@example.com")
'请联系 [PHONE] 或 [EMAIL]'
>>> [m.kind for m in find("卡号 6222 0212 3456 7890 128，IP 10.1.2.3")]
['bank_card', 'ip']
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

__all__ = ["KINDS", "Match", "find", "mask", "mask_value", "pseudonym"]

#: the kinds of personal data detected, in the order overlapping matches are resolved
KINDS = ("email", "id_card", "phone", "bank_card", "ip", "address", "name", "surname")


@dataclass(frozen=True, slots=True)
class Match:
    """One piece of personal data found in a text: ``text[start:end]`` is of ``kind``."""

    kind: str
    start: int
    end: int
    value: str


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ID_CARD = re.compile(r"(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[0-9Xx](?![0-9])")
_PHONE = re.compile(r"(?<![0-9])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?![0-9])")
_CARD = re.compile(r"(?<![0-9])\d(?:[\s-]?\d){12,18}(?![0-9])")
_IPV4 = re.compile(r"(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9.])")
_IPV6 = re.compile(r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# --- addresses and personal names -------------------------------------------------------------------------
# Chinese addresses: the administrative prefix (province, city, district/county) is kept — it is useful for
# analysis and identifies nobody — and everything from the town/street on (road, number, building, room) is
# masked. English addresses are masked whole (number, street, and the city/state/ZIP or postcode after them).
_CJK = "\u4e00-\u9fff"
_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川"
    "|贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_PROVINCE = rf"(?:{_PROVINCES})(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?"
_CITY = rf"[{_CJK}]{{2,4}}?(?:市|自治州|地区|盟)"
_DISTRICT = rf"[{_CJK}]{{1,4}}?(?:区|县|旗|市)"
_ZH_PREFIX = rf"(?:{_PROVINCE}(?:{_CITY})?(?:{_DISTRICT})?|{_CITY}(?:{_DISTRICT})?)"
#: characters that end a place name going leftwards (verbs, pronouns, particles): "我住在建国路" keeps 我住在
_ZH_PLACE_STOP = "的在住是我你他她了和与跟从往到寄送发于至址为请去来把就也都还要"
_ZH_PLACE_CHAR = rf"(?:(?![{_ZH_PLACE_STOP}])[{_CJK}A-Za-z0-9])"
_ZH_NUMERAL = r"(?:[0-9]+|[一二三四五六七八九十]+)"
_ZH_STREET = (
    rf"(?:大街|大道|胡同|路|街|巷|弄)(?:{_ZH_NUMERAL}段)?(?:\s*[0-9]+(?:[-之][0-9]+)?\s*[号弄](?!线)){{1,2}}"
    rf"(?:院)?(?:\s*{_ZH_NUMERAL}\s*(?:号楼|栋|幢|座|单元|层|楼|室|户|号)(?!线))*"
)
_ZH_ADDRESS_PREFIXED = re.compile(rf"{_ZH_PREFIX}(?P<v>{_ZH_PLACE_CHAR}{{0,15}}?{_ZH_STREET})")
_ZH_ROAD_CHAR = rf"(?:(?![{_ZH_PLACE_STOP}])[{_CJK}])"
_ZH_ADDRESS_BARE = re.compile(rf"(?P<v>{_ZH_ROAD_CHAR}{{2,4}}{_ZH_STREET})")
_ZH_BUILDING = re.compile(r"(?<![0-9])[0-9]+\s*(?:号楼|栋|幢|座)\s*(?:[0-9]+\s*单元\s*)?[0-9]{3,4}\s*(?:室|房|号)?")
_EN_WORD = r"(?:[0-9]+(?:st|nd|rd|th)|[A-Z][a-z]+)"
_EN_STREET_TYPE = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Parkway|Pkwy|Way"
    r"|Terrace|Close|Crescent|Square|Sq|Highway|Hwy)"
)
_EN_ADDRESS = re.compile(
    r"(?:\b(?i:flat|apt\.?|apartment|unit|suite|ste\.?)\s*#?[0-9]+[A-Za-z]?,?\s+)?"
    rf"\b[0-9]{{1,5}}[A-Za-z]?\s+(?:{_EN_WORD}\s+){{1,3}}{_EN_STREET_TYPE}(?![A-Za-z])"
    r"(?:(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2})?,?\s+"
    r"(?:[A-Z]{2}\s+[0-9]{5}(?:-[0-9]{4})?|[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2})\b)?"
)

#: common Chinese surnames: compound ones first so 欧阳 is not read as 欧 + given name
_COMPOUND_SURNAMES = (
    "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|长孙|宇文|司徒|夏侯|端木|轩辕|南宫|西门|独孤|澹台|呼延|闻人"
)
_SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文"
    "牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁"
    "冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米"
    "柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_SURNAME = f"(?:{_COMPOUND_SURNAMES}|[{_SINGLE_SURNAMES}])"
#: characters that cannot be part of a given name in context (particles, verbs, title starts)
_ZH_NAME_STOP = (
    "的了是在说和与跟给对把被让向从到也都就还很太不没吗呢吧啊呀哦嘛想要问来去有这那个们我你他她它地得"
    "先女经医总主师护律教院校同阿工警"
)
_GIVEN = rf"(?:(?![{_ZH_NAME_STOP}])[{_CJK}]){{1,2}}"
_NOT_CJK_NEXT = rf"(?![{_CJK}])"
_ZH_NAME_STRONG = re.compile(rf"(?:我叫|名叫|叫做|姓名|联系人|收货人|收件人|签收人)[:：]?\s*(?P<v>{_SURNAME}{_GIVEN})")
#: after 我是 a name must stand alone and not end like an occupation (我是程序员, 我是高中生)
_ZH_NAME_IAM = re.compile(rf"我是(?P<v>{_SURNAME}{_GIVEN}){_NOT_CJK_NEXT}")
_ZH_NAME_ROLE = re.compile(
    rf"(?:客户|顾客|患者|病人|用户|业主|家长|会员|乘客|同事|朋友|老公|老婆|丈夫|妻子|母亲|父亲|妈妈|爸爸)"
    rf"(?P<v>{_SURNAME}{_GIVEN})(?=说|反映|反馈|表示|投诉|称|来电|打电话|要求|认为|觉得|提到|的|{_NOT_CJK_NEXT})"
)
_ZH_TITLES = "先生|女士|小姐|经理|总监|医生|大夫|老师|主任|护士|师傅|律师|教授|院长|校长|同学|阿姨|警官"
#: a surname before a title is only read as one after a non-Chinese character or a word that commonly precedes
#: a person (这位, 找, 感谢 …): 班主任老师 is not 某老师
_ZH_BEFORE_PERSON = "的位找给问和跟是叫请向对被让谢与及同把帮由个名见家科人号室"
_ZH_SURNAME_TITLE = re.compile(
    rf"(?:(?<![{_CJK}])|(?<=[{_ZH_BEFORE_PERSON}]))(?P<v>{_SURNAME})"
    rf"(?:{_ZH_TITLES}|总(?=[说的您你好讲让要和跟对]|{_NOT_CJK_NEXT}))"
)
_ZH_SURNAME_ONLY = re.compile(rf"(?:我姓|免贵姓)(?P<v>{_SURNAME}){_NOT_CJK_NEXT}")
_EN_NOT_NAME = (
    "The|Team|Support|Service|Services|Customer|Customers|Sales|Department|Dept|Office|Help|Desk|Center|Centre"
    "|Thanks|Thank|Best|Kind|Warm|Regards|We|Our|Your|My|All|Everyone|Admin|Manager|Staff|Inc|Ltd|Company"
    "|Hi|Hello|Dear|Sir|Madam|Please|Yes|No|Not|There|Valued|User|Users|Friend|Friends|Mr|Mrs|Ms|Dr|And|Or"
)
_EN_TOKEN = rf"(?!(?:{_EN_NOT_NAME})\b)[A-Z](?:'[A-Z])?[a-z]+(?:-[A-Z][a-z]+)?"
_EN_NAME = rf"{_EN_TOKEN}(?: [A-Z]\.)?(?: {_EN_TOKEN}){{0,2}}"
_EN_NAME_CUE = re.compile(
    r"(?:\b(?i:my name is|my name's|name\s*:|contact(?: person)?\s*:|dear)\s*"
    r"|\b(?i:regards|sincerely|yours (?:truly|faithfully|sincerely)),?\s*)"
    rf"(?P<v>{_EN_NAME})\b"
)
_EN_NAME_TITLE = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+(?P<v>{_EN_NAME})\b")


def _id_card_ok(value: str) -> bool:
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17].upper():
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return True


def _luhn_ok(value: str) -> bool:
    digits = [int(d) for d in re.sub(r"\D", "", value)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _ip_ok(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _always(value: str) -> bool:
    return True


_DETECTORS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    ("email", _EMAIL, _always),
    ("id_card", _ID_CARD, _id_card_ok),
    ("phone", _PHONE, _always),
    ("bank_card", _CARD, _luhn_ok),
    ("ip", _IPV4, _ip_ok),
    ("ip", _IPV6, lambda v: v.count(":") >= 2 and _ip_ok(v)),
    ("address", _ZH_ADDRESS_PREFIXED, _always),
    ("address", _ZH_ADDRESS_BARE, _always),
    ("address", _ZH_BUILDING, _always),
    ("address", _EN_ADDRESS, _always),
    ("name", _ZH_NAME_STRONG, _always),
    ("name", _ZH_NAME_IAM, lambda v: v[-1] not in "员生者家人户长工师族"),
    ("name", _ZH_NAME_ROLE, _always),
    ("name", _EN_NAME_CUE, _always),
    ("name", _EN_NAME_TITLE, _always),
    ("surname", _ZH_SURNAME_TITLE, _always),
    ("surname", _ZH_SURNAME_ONLY, _always),
)
_LABELS = {
    "email": "[EMAIL]",
    "id_card": "[ID]",
    "phone": "[PHONE]",
    "bank_card": "[CARD]",
    "ip": "[IP]",
    "address": "[ADDRESS]",
    "name": "[NAME]",
    "surname": "某",
}


def find(text: str, kinds: Iterable[str] = KINDS) -> list[Match]:
    """Every piece of personal data in ``text``, left to right, without overlaps (earlier kinds in
    :data:`KINDS` win an overlap: an 18-digit 身份证 is not also read as a bank card)."""
    wanted = set(kinds)
    found: list[Match] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, valid in _DETECTORS:
        if kind not in wanted:
            continue
        part = "v" if "v" in pattern.groupindex else 0
        for m in pattern.finditer(text):
            start, end = m.span(part)
            if valid(m.group(part)) and not any(m.start() < e and s < m.end() for s, e in taken):
                found.append(Match(kind, start, end, m.group(part)))
                taken.append(m.span())
    return sorted(found, key=lambda m: m.start)


def mask(text: str, kinds: Iterable[str] = KINDS) -> str:
    """``text`` with each piece of personal data replaced by its kind's label (``[PHONE]``, ``[EMAIL]`` …)."""
    out: list[str] = []
    last = 0
    for m in find(text, kinds):
        out.append(text[last : m.start])
        out.append(_LABELS[m.kind])
        last = m.end
    out.append(text[last:])
    return "".join(out)


def pseudonym(value: str, salt: str = "") -> str:
    """A stable stand-in for an identifying value (a name, an e-mail used as a customer id): the same value
    gives the same pseudonym, so records still join, but the value itself is not kept."""
    return "pii_" + hashlib.sha256((salt + value.strip()).encode()).hexdigest()[:16]


def mask_value(value: str, *, whole: bool = False, salt: str = "") -> str:
    """Mask one cell: the whole value becomes a pseudonym when ``whole`` (a designated name column),
    otherwise the personal data inside it is masked."""
    if not value.strip():
        return value
    return pseudonym(value, salt) if whole else mask(value)
