"""The data the Bao'an directory generator draws on: the member units and name parts.

The 42 non-street units are modelled on Bao'an's real flood-and-wind member units
(区三防指挥部成员单位); head counts and hazard duties are illustrative.

>>> len(AGENCIES), sum(size for size in STREET_SIZES.values())
(42, 2000)
"""

from __future__ import annotations

from typing import NamedTuple

from schemas.areas import Street
from schemas.directory import UnitKind
from services.dispatch.domain.hazards import HazardKind as H

__all__ = ["AGENCIES", "COASTAL_STREETS", "GIVEN_NAME_CHARS", "STREET_SIZES", "SURNAMES", "UnitSpec"]


class UnitSpec(NamedTuple):
    """A non-street member unit: its name, kind, head count (None: share the rest), duties."""

    name: str
    kind: UnitKind
    size: int | None
    hazards: tuple[H, ...] = ()


# Street offices carry most of the hazard-point work, so they have most of the people.
STREET_SIZES: dict[Street, int] = {
    Street.XINAN: 210,
    Street.XIXIANG: 230,
    Street.HANGCHENG: 180,
    Street.FUYONG: 200,
    Street.FUHAI: 190,
    Street.SHAJING: 230,
    Street.XINQIAO: 180,
    Street.SONGGANG: 210,
    Street.YANLUO: 170,
    Street.SHIYAN: 200,
}

# Streets on the Pearl River estuary, whose hazard-point lists include boats and ships.
COASTAL_STREETS = frozenset(
    {
        Street.XINAN,
        Street.XIXIANG,
        Street.HANGCHENG,
        Street.FUYONG,
        Street.FUHAI,
        Street.SHAJING,
        Street.XINQIAO,
    }
)

_A, _I, _E = UnitKind.AGENCY, UnitKind.INSTITUTION, UnitKind.ENTERPRISE

AGENCIES: tuple[UnitSpec, ...] = (
    UnitSpec("宝安区应急管理局", _A, 45),
    UnitSpec("宝安区水务局", _A, 70, (H.WATERLOGGING_POINT,)),
    UnitSpec("宝安区气象局", _A, 20),
    UnitSpec("宝安区住房和建设局", _A, 70, (H.CONSTRUCTION_SITE, H.WORK_SHED, H.DANGEROUS_HOUSE)),
    UnitSpec("深圳市交通运输局宝安管理局", _A, 40, (H.WATERLOGGING_POINT, H.UNDERGROUND_SPACE)),
    UnitSpec("宝安区城市管理和综合执法局", _A, 40, (H.UNDERGROUND_SPACE,)),
    UnitSpec("深圳市公安局宝安分局", _A, 35),
    UnitSpec("宝安区卫生健康局", _A, None),
    UnitSpec("宝安区教育局", _A, None),
    UnitSpec("深圳市规划和自然资源局宝安管理局", _A, 45, (H.DANGEROUS_SLOPE,)),
    UnitSpec("宝安区发展和改革局", _A, None),
    UnitSpec("宝安区工业和信息化局", _A, None, (H.VESSEL,)),
    UnitSpec("宝安区财政局", _A, None),
    UnitSpec("宝安区民政局", _A, None),
    UnitSpec("宝安区人力资源局", _A, None),
    UnitSpec("宝安区文化广电旅游体育局", _A, None, (H.SCENIC_SPOT,)),
    UnitSpec("深圳市市场监督管理局宝安监管局", _A, None),
    UnitSpec("深圳市生态环境局宝安管理局", _A, None),
    UnitSpec("宝安区国有资产监督管理局", _A, None),
    UnitSpec("宝安区科技创新局", _A, None),
    UnitSpec("宝安区司法局", _A, None),
    UnitSpec("宝安区退役军人事务局", _A, None),
    UnitSpec("宝安区政务服务数据管理局", _A, None),
    UnitSpec("宝安区城市更新和土地整备局", _A, None, (H.DANGEROUS_HOUSE,)),
    UnitSpec("宝安区人民武装部", _A, None),
    UnitSpec("深圳市宝安区消防救援大队", _A, 30),
    UnitSpec("深圳海事局宝安海事处", _A, None, (H.VESSEL,)),
    UnitSpec("宝安区建筑工务署", _I, 40, (H.CONSTRUCTION_SITE, H.WORK_SHED)),
    UnitSpec("宝安区人民医院", _I, None),
    UnitSpec("宝安区中心医院", _I, None),
    UnitSpec("宝安区疾病预防控制中心", _I, None),
    UnitSpec("宝安区公园管理中心", _I, None, (H.SCENIC_SPOT, H.DANGEROUS_SLOPE)),
    UnitSpec("宝安区融媒体中心", _I, None),
    UnitSpec("深圳宝安国际机场", _E, 30, (H.UNDERGROUND_SPACE,)),
    UnitSpec("深圳供电局有限公司宝安供电局", _E, 30, (H.UNDERGROUND_SPACE,)),
    UnitSpec("深圳市水务(集团)有限公司宝安分公司", _E, 40, (H.WATERLOGGING_POINT,)),
    UnitSpec("深圳市地铁集团有限公司宝安运营中心", _E, 35, (H.UNDERGROUND_SPACE, H.CONSTRUCTION_SITE)),
    UnitSpec("中国移动通信集团广东有限公司深圳宝安分公司", _E, None),
    UnitSpec("中国电信股份有限公司深圳宝安分公司", _E, None),
    UnitSpec("中国联合网络通信有限公司深圳宝安分公司", _E, None),
    UnitSpec("深圳市燃气集团股份有限公司宝安分公司", _E, None, (H.UNDERGROUND_SPACE,)),
    UnitSpec("深圳市宝安城市建设投资集团有限公司", _E, None, (H.CONSTRUCTION_SITE,)),
)

# Common surnames, weighted towards those frequent in Guangdong by listing them first
# and twice; the generator draws uniformly from this list.
SURNAMES: tuple[str, ...] = (
    *"陈黄李梁林张罗郑谢何陈黄李梁林张刘杨赵吴周徐孙马朱胡郭高郑钟曾彭邓冯蔡许叶苏卢廖温",
    *"余潘方袁邱杨古赖江肖谭丘宋唐韩曹田董蒋魏吕丁任姚沈姜崔陆范汪石金韦夏邹熊白孟秦侯",
    "欧阳",
    "司徒",
    "上官",
)

GIVEN_NAME_CHARS: str = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建文志国海燕晓婷雪琳斌浩宇"
    "欣佳俊嘉锋宏宁健凯晨颖慧梅丹莉思雅振永荣新春成家兴东坤彬德立峰云翔飞琪瑶睿哲轩怡倩诗"
    "楠博泽航雨诚启达耀炜铭锦乐"
)
