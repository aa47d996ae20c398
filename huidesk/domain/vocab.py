"""The domain's vocabularies: slug, Chinese names (the first is the display form) and English label.

Every vocabulary option accepts the slug or any of its Chinese names; the schema's CHECK
constraints list the same slugs.
"""

from collections.abc import Callable

from huidesk.domain.errors import InvalidValue
from huidesk.domain.i18n import lang, tr

# vocabulary -> {slug: (chinese names..., english label)}; the last item is English.
VOCABS: dict[str, dict[str, tuple[str, ...]]] = {
    "level": {
        "city": ("市", "city"),
        "district": ("区", "县", "区/县", "district"),
        "street": ("街道", "镇", "乡", "街道/镇/乡", "street"),
        "community": ("社区", "村", "社区/村", "community"),
        "compound": ("小区", "compound"),
        "building": ("楼栋", "楼", "building"),
    },
    "line": {
        "red_pioneer": ("红色先锋", "red pioneer"),
        "orange_charity": ("橙色公益", "orange charity"),
        "blue_safety": ("蓝色平安", "blue safety"),
        "silver_elder": ("银色助老", "silver elder care"),
        "gold_growth": ("金色成长", "gold growth"),
    },
    "role": {
        "party_member": ("党员", "party member"),
        "volunteer": ("志愿者", "volunteer"),
        "cadre": ("村/社区干部", "社区干部", "村干部", "干部", "cadre"),
        "grid_worker": ("网格员", "grid worker"),
        "building_head": ("楼栋长", "building head"),
        "judge": ("法官", "judge"),
        "prosecutor": ("检察官", "prosecutor"),
        "police": ("警官", "民警", "police"),
        "lawyer": ("律师", "lawyer"),
        "mediator": ("人民调解员", "调解员", "mediator"),
        "property_staff": ("物业", "物业人员", "property staff"),
    },
    "tag": {
        "living_alone": ("独居", "living alone"),
        "empty_nest": ("空巢", "empty nest"),
        "advanced_age": ("高龄", "advanced age"),
        "disabled": ("残疾", "disabled"),
        "child_in_difficulty": ("困境儿童", "child in difficulty"),
        "low_income": ("低保", "low income"),
    },
    "unit_kind": {
        "department": ("部门", "department"),
        "company": ("企业", "公司", "company"),
        "organisation": ("组织", "社会组织", "organisation"),
    },
    "theme": {
        "haircut": ("爱心理发", "haircut"),
        "policy_outreach": ("政策宣传", "policy outreach"),
        "anti_fraud": ("反诈宣传", "anti-fraud"),
        "legal_aid": ("法律服务", "legal aid"),
        "sanitation": ("环境卫生", "sanitation"),
        "safety_inspection": ("安全排查", "safety inspection"),
        "civility": ("文明创建", "civility"),
        "mutual_aid": ("邻里互助", "mutual aid"),
        "customs_reform": ("移风易俗", "customs reform"),
        "elder_care": ("爱老助老", "elder care"),
        "child_care": ("关爱儿童", "child care"),
        "deliberation": ("协商议事", "deliberation"),
        "other": ("其他", "other"),
    },
    "issue_kind": {
        "suggestion": ("意见建议", "suggestion"),
        "livelihood": ("民生问题", "livelihood"),
        "safety_hazard": ("安全隐患", "safety hazard"),
        "risk": ("风险隐患", "risk"),
        "dispute": ("矛盾纠纷", "dispute"),
        "non_police": ("非警务事项", "non-police matter"),
        "infrastructure": ("基础设施", "infrastructure"),
    },
    "source": {
        "patrol": ("巡查", "patrol"),
        "visit": ("走访", "visit"),
        "hotline": ("热线", "hotline"),
        "12345": ("12345热线", "12345 hotline"),
        "platform": ("平台", "platform"),
        "walk_in": ("上门", "walk-in"),
        "phone": ("电话", "phone"),
    },
    "event": {
        "received": ("受理", "received"),
        "dispatched": ("派单", "吹哨", "dispatched"),
        "arrived": ("报到", "到场", "arrived"),
        "transferred": ("转单", "transferred"),
        "returned": ("退单", "returned"),
        "escalated": ("上报", "escalated"),
        "consulted": ("协商", "consulted"),
        "resolved": ("办结", "resolved"),
        "callback": ("回访", "callback"),
        "closed": ("关闭", "closed"),
        "reopened": ("重开", "reopened"),
        "extended": ("延期", "extended"),
        "exempted": ("核减", "exempted"),
        "contacted": ("先行联系", "联系", "contacted"),
    },
    "nature": {
        "help": ("求助", "help"),
        "inquiry": ("咨询", "inquiry"),
        "complaint": ("投诉", "complaint"),
        "proposal": ("建议", "proposal"),
        "praise": ("表扬", "praise"),
        "tip_off": ("举报", "tip-off"),
    },
    # A ledger may add categories of its own (`setting set categories 燃气,电梯`); those are stored as typed.
    "category": {
        "property": ("物业", "property management"),
        "municipal": ("市政", "municipal"),
        "sanitation": ("环境卫生", "环卫", "sanitation"),
        "heating": ("供暖", "heating"),
        "public_order": ("治安", "public order"),
        "traffic": ("交通", "traffic"),
        "other": ("其他", "other"),
    },
    "answer": {
        "yes": ("已解决", "是", "yes"),
        "partly": ("部分解决", "部分", "partly"),
        "no": ("未解决", "否", "no"),
    },
    "satisfaction": {
        "satisfied": ("满意", "satisfied"),
        "basically": ("基本满意", "basically satisfied"),
        "unsatisfied": ("不满意", "unsatisfied"),
    },
    "consent": {
        "self": ("本人", "self"),
        "guardian": ("监护人", "guardian"),
    },
    # what a bundle or a dataset carries of the residents (--pii)
    "pii": {
        "pseudonymous": ("化名", "pseudonymous"),
        "full": ("全部", "完整", "full"),
    },
}

# The issue kinds in the vocabulary's order: the one list reports count by (data/schema.sql's CHECK on
# issues.kind names the same slugs; tests/test_vocab_schema.py keeps the two alike).
ISSUE_KINDS: tuple[str, ...] = tuple(VOCABS["issue_kind"])

# What a vocabulary is called in messages.
NAMES = {
    "level": ("层级", "level"),
    "line": ("服务队类别", "team line"),
    "role": ("角色", "role"),
    "tag": ("标签", "tag"),
    "unit_kind": ("单位类型", "unit kind"),
    "theme": ("活动主题", "theme"),
    "issue_kind": ("诉求类型", "issue kind"),
    "source": ("诉求来源", "source"),
    "event": ("事件", "event"),
    "nature": ("诉求性质", "nature"),
    "category": ("诉求类别", "category"),
    "answer": ("是否解决", "resolved"),
    "satisfaction": ("满意度", "satisfaction"),
    "consent": ("同意登记", "consent"),
    "pii": ("居民个人信息", "residents' personal information"),
}


def resolve(vocab: str, text: str, field: str) -> str:
    """The slug for a slug, a Chinese name or the English word of `vocab` (what csv and tsv write under
    --lang zh or en); InvalidValue lists the choices otherwise."""
    words = VOCABS[vocab]
    key = text.strip()
    if key.lower() in words:
        return key.lower()
    for slug, names in words.items():
        if key in names[:-1] or key.lower() == names[-1].lower():
            return slug
    choices = "、".join(f"{names[0]}({slug})" for slug, names in words.items())
    raise InvalidValue(field, text, tr(f"可选：{choices}", f"choose from: {choices}"))


def extra_categories(setting: str) -> list[str]:
    """The categories a ledger added to the vocabulary, from the `categories` setting (物业,燃气、电梯)."""
    import re

    return [c for c in dict.fromkeys(x.strip() for x in re.split(r"[,，、;；\s]+", setting)) if c]


def resolve_category(text: str, extra: list[str], field: str = "--category") -> str:
    """A category's slug, or the name of one the ledger added (stored as typed)."""
    key = text.strip()
    if key in extra:
        return key
    try:
        return resolve("category", key, field)
    except InvalidValue:
        words = VOCABS["category"]
        choices = "、".join([*(f"{names[0]}({slug})" for slug, names in words.items()), *extra])
        hint = tr("（setting set categories 可以增加）", " (setting set categories adds more)")
        raise InvalidValue(field, text, tr(f"可选：{choices}", f"choose from: {choices}") + hint) from None


def complete(vocab: str) -> Callable[[str], list[tuple[str, str]]]:
    """TAB completion for an option of `vocab`: the Chinese names and slugs that start with what has
    been typed, each with its English label (which zsh and fish show beside it)."""

    def candidates(incomplete: str) -> list[tuple[str, str]]:
        return [(word, names[-1]) for slug, names in VOCABS[vocab].items()
                for word in dict.fromkeys((*names[:-1], slug)) if word.startswith(incomplete)]

    return candidates


def choices_help(vocab: str, zh: str, en: str) -> str:
    """An option's help followed by the words it takes, in the current language: 类型：意见建议、民生问题…
    or kind: suggestion, livelihood, …"""
    names = VOCABS[vocab]
    return tr(f"{zh}：{'、'.join(n[0] for n in names.values())}", f"{en}: {', '.join(names)}")


def label(vocab: str, slug: str | None) -> str:
    """The display name of a slug in the current language."""
    if slug is None:
        return ""
    names = VOCABS[vocab].get(slug)
    if names is None:
        return slug
    return names[-1] if lang() == "en" else names[0]


def vocab_name(vocab: str) -> str:
    zh, en = NAMES[vocab]
    return tr(zh, en)


def guess_unit_kind(name: str) -> str:
    """A unit's kind from its name: 物业公司 is a company, 司法所 a department."""
    if name.endswith(("公司", "集团", "企业")):
        return "company"
    if name.endswith(("所", "局", "中心", "站", "委员会", "办", "办公室", "街道", "法院", "检察院", "队")):
        return "department"
    return "organisation"


def guess_line(team_name: str) -> str | None:
    """A team's colour line when its name holds one (“橙色公益”志愿服务队)."""
    for slug, names in VOCABS["line"].items():
        if names[0] in team_name:
            return slug
    return None
