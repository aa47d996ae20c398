"""The commands' Chinese names (走访 登记 = visit add, 报表 月报 = report monthly): accepted wherever the English
is, shown beside it in help; and the nearest names to a word that is no command."""

# Each command group and top-level command by its Chinese name.
TOP = {
    "init": "初始化", "demo": "示例", "summary": "统计", "due": "到期", "certificate": "证明", "export": "导出",
    "import": "导入", "log": "日志", "undo": "撤销", "void": "作废", "check": "核验", "sql": "查询",
    "backup": "备份", "bundle": "报送", "merge": "合并", "sources": "来源", "warehouse": "仓库",
    "place": "地点", "unit": "单位", "team": "服务队", "member": "队员", "resident": "居民", "visit": "走访",
    "activity": "活动", "wish": "心愿", "card": "服务卡", "pair": "结对", "issue": "诉求", "meeting": "会议",
    "report": "报表", "setting": "设置", "serve": "服务台", "key": "密钥", "help": "帮助",
}
# A subcommand's Chinese name, the same in every group unless the group says otherwise.
SUB = {
    "add": "登记", "list": "列表", "show": "查看", "tree": "树", "edit": "修改", "join": "入队", "leave": "离队",
    "claim": "认领", "fulfil": "实现", "set": "设定", "monthly": "月报", "roster": "花名册",
    "open": "受理", "dispatch": "派单", "arrive": "到场", "escalate": "上报", "transfer": "转单", "return": "退单",
    "resolve": "办结", "callback": "回访", "close": "关闭", "reopen": "重开", "revoke": "吊销",
    "extend": "延期", "exempt": "核减", "contact": "联系",
}
IN_GROUP = {("card", "issue"): "办理", ("wish", "add"): "登记", ("place", "add"): "添加", ("unit", "add"): "添加",
            ("team", "add"): "添加", ("meeting", "add"): "登记", ("pair", "add"): "结对", ("key", "add"): "新建"}
# Other words she may type for the same command.
SYNONYMS = {"慰问": "visit", "工单": "issue", "志愿者": "member", "台账": "report", "花名册": "report",
            "新增": "add", "添加": "add", "查询": "list", "派遣": "dispatch", "吹哨": "dispatch", "报到": "arrive"}


def chinese(name: str, group: str | None = None) -> str | None:
    """The Chinese name of a command (`group` None) or of a subcommand of `group`."""
    if group is None:
        return TOP.get(name)
    return IN_GROUP.get((group, name)) or SUB.get(name)


def english(word: str, names: list[str], group: str | None = None) -> str:
    """The command `word` names among `names` (English names), or `word` as it is."""
    if word in names:
        return word
    for name in names:
        if chinese(name, group) == word:
            return name
    synonym = SYNONYMS.get(word)
    return synonym if synonym in names else word


def in_english(*words: str) -> tuple[str, ...]:
    """A command and subcommand as typed, in either language (诉求 延期, issue 延期), by their English names
    (issue, extend); a word that names none stays as it is."""
    if not words:
        return ()
    group = english(words[0], list(TOP))
    subs = [*SUB, *(name for in_group, name in IN_GROUP if in_group == group)]
    return (group, *(english(word, subs, group) for word in words[1:2]))


def nearest(word: str, names: list[str], group: str | None = None) -> list[str]:
    """The commands nearest to a word that is none, each as `English（中文）`: by spelling, in either language."""
    import difflib

    spelled = {name: name for name in names}
    spelled.update({chinese(name, group): name for name in names if chinese(name, group)})
    cutoff = 0.5 if word.isascii() else 0.3  # one character of two is a near miss in Chinese
    found = difflib.get_close_matches(word, list(spelled), n=3, cutoff=cutoff)
    shown = []
    for match in found:
        name = spelled[match]
        label = f"{name}（{chinese(name, group)}）" if chinese(name, group) else name
        if label not in shown:
            shown.append(label)
    return shown
