"""PII detectors: each one on valid and near-miss values."""

from __future__ import annotations

import pytest

from cxlens.text.pii import find, mask, mask_value, pseudonym


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("手机 13812345678", ["phone"]),
        ("+86 138-1234-5678", ["phone"]),
        ("12812345678", []),  # 12x is not a mobile prefix
        ("身份证 11010519491231002X", ["id_card"]),
        ("身份证 110105194912310021", []),  # wrong check digit
        ("mail li.na@example.com.cn", ["email"]),
        ("card 4111 1111 1111 1111", ["bank_card"]),
        ("card 4111 1111 1111 1112", []),  # fails Luhn
        ("from 192.168.0.1", ["ip"]),
        ("999.1.1.1", []),
        ("v6 2001:db8::1 at 12:30:45", ["ip"]),
    ],
)
def test_detectors(text: str, kinds: list[str]) -> None:
    assert [m.kind for m in find(text)] == kinds


def test_mask_replaces_every_match_and_keeps_the_rest() -> None:
    text = "张先生 13812345678，邮箱 a@b.cn，身份证 11010519491231002X"
    assert mask(text) == "某先生 [PHONE]，邮箱 [EMAIL]，身份证 [ID]"
    assert mask("nothing here") == "nothing here"


def test_pseudonyms_are_stable_and_hide_the_value() -> None:
    assert pseudonym("王芳") == pseudonym(" 王芳 ") != pseudonym("李娜")
    assert "王芳" not in mask_value("王芳", whole=True)
    assert mask_value("", whole=True) == ""


# --- addresses and personal names: hand-written cases, each with its exact masked output ----------------------
POSITIVE = [
    # Chinese addresses: province / city / district kept, street and number masked
    ("北京市朝阳区建国路88号", "北京市朝阳区[ADDRESS]"),
    ("广东省深圳市南山区科技园南区科苑路10号3栋501室", "广东省深圳市南山区[ADDRESS]"),
    ("上海市浦东新区张江镇xx弄5号", "上海市浦东新区[ADDRESS]"),
    ("寄到浙江省杭州市西湖区文三路478号华星时代广场", "寄到浙江省杭州市西湖区[ADDRESS]华星时代广场"),
    ("我住在建国路88号附近", "我住在[ADDRESS]附近"),
    ("地址：中关村大街27号院3号楼", "地址：[ADDRESS]"),
    ("上海市静安区南京西路100弄5号12室，周末送", "上海市静安区[ADDRESS]，周末送"),
    ("成都市武侯区人民南路四段1号", "成都市武侯区[ADDRESS]"),
    ("送到阳光小区5号楼2单元301室", "送到阳光小区[ADDRESS]"),
    ("新疆维吾尔自治区乌鲁木齐市天山区解放南路12号", "新疆维吾尔自治区乌鲁木齐市天山区[ADDRESS]"),
    # English addresses: masked whole
    ("I live at 221B Baker Street.", "I live at [ADDRESS]."),
    ("HQ: 1600 Amphitheatre Pkwy, Mountain View, CA 94043", "HQ: [ADDRESS]"),
    ("Flat 3, 12 High St", "[ADDRESS]"),
    ("ship to 742 Evergreen Terrace please", "ship to [ADDRESS] please"),
    ("Apt 4B, 350 5th Avenue, New York, NY 10118", "[ADDRESS]"),
    ("10 Downing Street, London SW1A 2AA", "[ADDRESS]"),
    ("the parcel went to 45 Oak Rd instead", "the parcel went to [ADDRESS] instead"),
    # Chinese names after cues
    ("我叫张伟，想投诉", "我叫[NAME]，想投诉"),
    ("你好，我是李娜。", "你好，我是[NAME]。"),
    ("联系人：王芳", "联系人：[NAME]"),
    ("客户陈小明说等了两个小时", "客户[NAME]说等了两个小时"),
    ("我叫欧阳娜娜", "我叫[NAME]"),
    ("姓名：司马光", "姓名：[NAME]"),
    ("收货人 刘洋 电话 13812345678", "收货人 [NAME] 电话 [PHONE]"),
    ("患者赵磊反映护士态度差", "患者[NAME]反映护士态度差"),
    ("我叫诸葛明想咨询", "我叫[NAME]想咨询"),
    ("免贵姓黄，", "免贵姓某，"),
    # surname + title: the surname becomes 某
    ("张先生 13812345678", "某先生 [PHONE]"),
    ("李女士很满意", "某女士很满意"),
    ("王经理没有回电话", "某经理没有回电话"),
    ("感谢刘医生的耐心", "感谢某医生的耐心"),
    ("陈老师讲得很好", "某老师讲得很好"),
    ("这位欧阳女士说", "这位某女士说"),
    ("找高师傅来修", "找某师傅来修"),
    # English names after cues and titles
    ("Hi, my name is John Smith and my order is late", "Hi, my name is [NAME] and my order is late"),
    ("Mr. Smith was rude", "Mr. [NAME] was rude"),
    ("Dr Jane Doe explained everything", "Dr [NAME] explained everything"),
    ("Thanks for the help.\nRegards, Anna Lee", "Thanks for the help.\nRegards, [NAME]"),
    ("contact: Tom Brown", "contact: [NAME]"),
    ("Mrs O'Neil called twice", "Mrs [NAME] called twice"),
    ("Dear Maria, your refund is ready", "Dear [NAME], your refund is ready"),
    ("My name is Li Wei", "My name is [NAME]"),
    ("Ms. Mary-Jane Watson helped", "Ms. [NAME] helped"),
]

NEGATIVE = [
    "我有点紧张",
    "王者荣耀更新太慢",
    "我是王者荣耀玩家",
    "我是程序员",
    "我是高中生。",
    "我是新用户",
    "班主任老师很负责",
    "提高总体满意度",
    "客户经理态度很好",
    "用户体验不好",
    "我知道10号要开会",
    "请于10号前回复",
    "坐地铁2号线到公司",
    "3路公交车太挤",
    "朋友高兴地说不错",
    "这家店的黄焖鸡很好吃",
    "马上就到",
    "周末人太多",
    "张家界风景很美",
    "价格方面还可以",
    "医生很专业，护士也很好",
    "我叫了外卖",
    "I am very happy with the service",
    "Regards, The Support Team",
    "Contact: Customer Service",
    "Dear Customer, thanks for waiting",
    "my name is not important",
    "I waited 3 hours on the road",
    "Top 10 tips for Main Street shops",
    "We gave it 5 stars",
    "Version 2 Release Notes",
    "The doctor was kind and the nurse was patient",
    "Main Street branch was closed",
    "Order 12 arrived on Monday",
]
NEW_KINDS = ("address", "name", "surname")


@pytest.mark.parametrize(("text", "expected"), POSITIVE)
def test_addresses_and_names_are_masked_exactly(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize("text", NEGATIVE)
def test_ordinary_words_are_not_addresses_or_names(text: str) -> None:
    assert find(text, NEW_KINDS) == []


def test_precision_and_recall_over_the_hand_written_set() -> None:
    assert len(POSITIVE) >= 40 and len(NEGATIVE) >= 30
    hits = sum(mask(text) == expected for text, expected in POSITIVE)
    false_alarms = sum(bool(find(text, NEW_KINDS)) for text in NEGATIVE)
    recall = hits / len(POSITIVE)
    precision = hits / (hits + false_alarms) if hits else 0.0
    assert recall >= 0.95 and precision >= 0.95, (recall, precision)


def test_kinds_can_be_chosen_and_the_kept_prefix_is_not_in_the_match() -> None:
    text = "王芳住北京市朝阳区建国路88号，联系人：王芳"
    assert [m.kind for m in find(text, ["address"])] == ["address"]
    (address,) = find(text, ["address"])
    assert address.value == "建国路88号"
    assert mask(text, ["phone"]) == text
