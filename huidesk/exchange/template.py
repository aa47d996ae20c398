"""`import --template`: an empty sheet with the headers an import expects, in Chinese, for the people
who fill spreadsheets; an example row on a sheet of its own and the vocabulary as drop-down lists."""

from huidesk.domain.i18n import tr
from huidesk.exchange.layouts import Field, Table, table_label

# What the example row shows, by field key, else by type (a reference: by the table referred to).
_BY_KEY = {
    "name": "丁学志", "path": "银川市/金凤区/满城北街街道/平伏桥村/48号楼", "phone": "13800000000",
    "born": 1940, "text": "楼道灯坏了", "title": "七月爱心理发", "purpose": "看望高龄老人", "gifts": "米、油",
    "note": "", "volunteers": 6, "served": 40, "kind": "爱心理发卡", "no": "0001", "decision": "物业三日内修复",
    "guardian": "", "ref": "12345-0707-01", "parties": "物业公司、王凤琴", "issue": "", "issue_ref": "12345-0707-01",
}
_BY_REF = {"teams": "“橙色公益”志愿服务队", "members": "王凤琴", "residents": "丁学志", "places": "平伏桥村/48号楼",
           "units": "物业公司"}
_BY_TYPE = {"date": "2024-07-07", "moment": "2024-07-07 09:30", "hours": 2, "cadence": "7", "bool": "否",
            "int": 1}
_CHOICES = {"bool": ["是", "否"]}


def template_fields(table: Table) -> list[Field]:
    """The columns a hand-made sheet fills: all an import reads, but the uid (made from the content)."""
    return [f for f in table.fields if not f.derived and f.type != "uid"]


def example(f: Field) -> object:
    from huidesk.domain.vocab import VOCABS

    if f.type == "vocab":
        words = [names[0] for names in VOCABS[f.vocab].values()]
        return "、".join(words[:2]) if f.many else words[0]
    if f.type == "ref":
        return _BY_REF[f.ref]
    if f.key in _BY_KEY:
        return _BY_KEY[f.key]
    return _BY_TYPE.get(f.type, "")


def choices(f: Field) -> list[str] | None:
    """The words a cell of this column may hold, for a drop-down list (None: free text). A list of
    several words (tags) gets none: a drop-down holds one."""
    from huidesk.domain.vocab import VOCABS

    if f.type == "vocab" and not f.many:
        return [names[0] for names in VOCABS[f.vocab].values()]
    return _CHOICES.get(f.type)


def template_workbook(table: Table) -> bytes:
    from huidesk.render.workbook import form_workbook

    fields = template_fields(table)
    name = table_label(table.name)
    return form_workbook(
        name,
        [f.zh + ("（必填）" if f.required else "") for f in fields],
        [example(f) for f in fields],
        [choices(f) for f in fields],
        tr(f"在“{name}”表中每行填写一条记录，再运行：huidesk import {table.name} 本文件.xlsx（可先加 --dry-run 校验）。"
           "“示例”表只作参考，不会被导入。多个值用顿号分隔。",
           f"Fill one record a row in the first sheet, then: huidesk import {table.name} FILE.xlsx "
           "(--dry-run first to check). The example sheet is not imported. Separate several values with 、."),
    )
